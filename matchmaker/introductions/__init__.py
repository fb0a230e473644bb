"""Introductions: double opt-in requests between users and organisations, reviewed by staff."""

from flask import Blueprint

from matchmaker.access import restrict_blueprint

bp = Blueprint("introductions", __name__)
restrict_blueprint(bp)

from matchmaker.introductions import views  # noqa: E402,F401
