"""B2B meeting days: events, registrations, suggested meetings, requests, schedules and agendas."""

from flask import Blueprint

from matchmaker.access import restrict_blueprint
from matchmaker.events.labels import install as install_labels

bp = Blueprint("events", __name__)
restrict_blueprint(bp)  # every page needs a login; staff pages also check the role
install_labels(bp)

from matchmaker.events import staff_views, views  # noqa: E402,F401
