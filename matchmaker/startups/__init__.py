"""Start-ups' area: claim or create a profile, edit it, see matching labs and platforms, saved searches."""

from flask import Blueprint

from matchmaker.access import restrict_blueprint
from matchmaker.models import Role

bp = Blueprint("startups", __name__)
restrict_blueprint(bp, Role.STARTUP.value)

from matchmaker.startups import views  # noqa: E402,F401
