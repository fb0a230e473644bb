"""Pole staff's area: review queue, curation of suggestions, introductions, audit log."""

from flask import Blueprint

from matchmaker.access import STAFF_ROLES, restrict_blueprint
from matchmaker.labels import install as install_labels

bp = Blueprint("staff", __name__)
restrict_blueprint(bp, *STAFF_ROLES)
install_labels(bp)

from matchmaker.staff import curation, views  # noqa: E402,F401
