"""Pole staff's area: review queue, curation of suggestions, introductions, audit log."""

from flask import Blueprint

from matchmaker.access import STAFF_ROLES, restrict_blueprint

bp = Blueprint("staff", __name__)
restrict_blueprint(bp, *STAFF_ROLES)

from matchmaker.staff import curation, imports, profiles, views  # noqa: E402,F401
