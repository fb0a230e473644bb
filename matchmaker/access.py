"""Server-side access rules shared by the workflow blueprints."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from matchmaker.errors import Forbidden
from matchmaker.models import Role, User

STAFF_ROLES = (Role.STAFF.value, Role.ADMIN.value)


def current_account() -> User:
    """Return the logged-in user as a model instance (views only run this after the role check)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def restrict_blueprint(bp: Blueprint, *roles: str) -> None:
    """Require a login, and one of the roles when given, for every route of a blueprint.

    Checking at the blueprint level means a route added later cannot forget it. Anonymous
    visitors are sent to the login page (a 401 under /api); other roles get a 403.
    """

    @bp.before_request
    def check_role() -> object | None:
        return require_roles(*roles)


def require_roles(*roles: str) -> object | None:
    """Return the login redirect for anonymous users, raise Forbidden for a wrong role, else None."""
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if roles and current_user.role not in roles:
        raise Forbidden(_l("Cet espace n'est pas ouvert à votre type de compte."))
    return None


def roles_required(*roles: str) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Decorate one view with the same rule as restrict_blueprint."""
    from functools import wraps

    def decorator(view: Callable[..., object]) -> Callable[..., object]:
        @wraps(view)
        def wrapped(*args: object, **kwargs: object) -> object:
            denied = require_roles(*roles)
            return denied if denied is not None else view(*args, **kwargs)

        return wrapped

    return decorator
