"""JSON API."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from matchmaker.api import dashboard, views, workflow  # noqa: E402,F401
