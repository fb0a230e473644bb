"""Buyers' area: post needs, follow their review, explore the organisations that answer them."""

from flask import Blueprint

from matchmaker.access import restrict_blueprint
from matchmaker.models import Role

bp = Blueprint("needs", __name__)
restrict_blueprint(bp, Role.BUYER.value)

from matchmaker.needs import views  # noqa: E402,F401
