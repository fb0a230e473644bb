"""JSON API."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from matchmaker.api import views, workflow  # noqa: E402,F401
