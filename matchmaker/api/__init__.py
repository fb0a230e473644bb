"""JSON API."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from matchmaker.api import views  # noqa: E402,F401
