"""Personal data (GDPR): an organisation downloads or erases what the platform holds about it."""

from flask import Blueprint

from matchmaker.access import restrict_blueprint
from matchmaker.models import Role

bp = Blueprint("privacy", __name__)
restrict_blueprint(bp, Role.BUYER.value, Role.MEMBER.value)

from matchmaker.privacy import views  # noqa: E402,F401
