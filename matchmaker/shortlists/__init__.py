"""Shortlists: named lists of organisations that buyers and start-ups keep, annotate and export."""

from flask import Blueprint

from matchmaker.access import restrict_blueprint
from matchmaker.models import Role

bp = Blueprint("shortlists", __name__)
restrict_blueprint(bp, Role.BUYER.value, Role.MEMBER.value)

from matchmaker.shortlists import views  # noqa: E402,F401
