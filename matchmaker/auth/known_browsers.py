"""Known browsers: a signed cookie naming the accounts that logged in successfully from this browser.

The login throttle trusts such a browser for that account (it answers only to its own failure limit),
so that failures provoked by someone else never lock the owner out of the browser they use. The token
is bound to the account's current password hash: changing or resetting the password revokes it.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from matchmaker.models import User

COOKIE = "mm_known_browser"
MAX_AGE = 365 * 24 * 3600
MAX_ACCOUNTS = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-browser")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _entries() -> dict[str, list[str]]:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, list) and len(v) == 2}


def known_browser_id(user: User | None) -> str | None:
    """Return this browser's id for the account when the owner logged in from it before, else None."""
    if user is None:
        return None
    entry = _entries().get(str(user.id))
    if entry is None or not secrets.compare_digest(str(entry[1]), _fingerprint(user)):
        return None
    return str(entry[0])


def remember_browser(response: Response, user: User) -> None:
    """Mark this browser as known for the account (keeps the latest few accounts)."""
    entries = _entries()
    entry = entries.pop(str(user.id), None)
    browser_id = str(entry[0]) if entry else secrets.token_urlsafe(12)
    entries[str(user.id)] = [browser_id, _fingerprint(user)]
    entries = dict(list(entries.items())[-MAX_ACCOUNTS:])
    config = current_app.config
    response.set_cookie(
        COOKIE, _serializer().dumps(entries), max_age=MAX_AGE, path="/auth/", httponly=True,
        secure=config.get("SESSION_COOKIE_SECURE", False), samesite="Lax",
    )
