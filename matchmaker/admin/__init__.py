"""Administrators' area: accounts and roles (list, invite, deactivate, change role, force a password reset, unlock)."""

from flask import Blueprint

from matchmaker.access import restrict_blueprint
from matchmaker.models import Role

bp = Blueprint("admin", __name__)
restrict_blueprint(bp, Role.ADMIN.value)

from matchmaker.admin import views  # noqa: E402,F401
