"""B2B meeting days: events, registrations, suggested meetings, requests, schedules and agendas."""

from flask import Blueprint

from matchmaker.access import restrict_blueprint

bp = Blueprint("events", __name__)
restrict_blueprint(bp)  # every page needs a login; staff pages also check the role

from matchmaker.events import staff_views, views  # noqa: E402,F401
