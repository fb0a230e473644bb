"""Members' area: claim or create the profile of an organisation of any kind, complete its livret, manage its
team, see matching labs and platforms, saved searches."""

from flask import Blueprint

from matchmaker.access import restrict_blueprint
from matchmaker.models import Role

bp = Blueprint("members", __name__)
restrict_blueprint(bp, Role.MEMBER.value)

from matchmaker.members import livret, team, views  # noqa: E402,F401
