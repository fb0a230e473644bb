"""Pole staff's ecosystem dashboard: coverage, demand, freshness and the competence map, with exports."""

from flask import Blueprint

from matchmaker.access import STAFF_ROLES, restrict_blueprint

bp = Blueprint("dashboard", __name__)
restrict_blueprint(bp, *STAFF_ROLES)

from matchmaker.dashboard import views  # noqa: E402,F401
