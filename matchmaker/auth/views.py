"""Login and logout."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from matchmaker.auth import bp
from matchmaker.auth.forms import LoginForm, SetPasswordForm
from matchmaker.auth.known_browsers import known_browser_id, remember_browser
from matchmaker.errors import InvalidQuery
from matchmaker.extensions import db
from matchmaker.formtools import safe_next, service_call
from matchmaker.services.accounts import authenticate, find_user, normalise_email
from matchmaker.services.throttle import LoginAttempt, client_address
from matchmaker.services.users import set_password_with_token, user_for_password_token

logger = logging.getLogger("matchmaker.auth")


def _safe_next(target: str | None) -> str | None:
    """Accept only local redirect targets (no scheme, no host, no backslash or control character)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return safe_next(target)


def _submitted_email() -> str:
    return normalise_email(request.form.get("email", ""))[:254]


def _loggable_email() -> str:
    """Return the submitted address for the log, unless it does not look like one (a password typed there)."""
    email = _submitted_email()
    return email if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) else "<invalid>"


def _too_many_attempts(retry_after: int) -> str:
    # The same words for every address, known or not: the refusal must not reveal which accounts exist.
    minutes = max(1, (retry_after + 59) // 60)
    return ngettext(
        "Trop de tentatives de connexion. Réessayez dans %(num)d minute.",
        "Trop de tentatives de connexion. Réessayez dans %(num)d minutes.",
        minutes,
    )


def _log_auth(event: str, **fields: object) -> None:
    """Log an authentication event as structured fields (never the password)."""
    logger.info(event, extra={"fields": {"event": event, "ip": request.remote_addr, **fields}})


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log a user in; failed attempts are throttled (services/throttle.py), successes never are."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if form.errors else 200
    email = normalise_email(form.email.data or "")
    throttle = current_app.extensions["login_throttle"]
    attempt = LoginAttempt(address=client_address(request.remote_addr), account=email,
                           known_browser=known_browser_id(find_user(db.session, email)))
    with throttle.serialised(email):
        refusal = throttle.check(attempt)
        user = None if refusal else authenticate(db.session, email, form.password.data or "")
        if refusal is None:
            (throttle.failed if user is None else throttle.succeeded)(attempt)
    if refusal is not None:
        _log_auth("login.throttled", email=_loggable_email(), limit=refusal.limit, known_browser=bool(
            attempt.known_browser))
        form.password.errors.append(_too_many_attempts(refusal.retry_after))
        response = make_response(render_template("auth/login.html", form=form), 429)
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    if user is None:
        _log_auth("login.failure", email=_loggable_email())
        form.password.errors.append(_("Adresse ou mot de passe incorrect."))
        return render_template("auth/login.html", form=form), 400
    login_user(user, remember=bool(form.remember.data))
    _log_auth("login.success", user=user.id, role=user.role)
    flash(_("Vous êtes connecté."), "success")
    response = redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
    remember_browser(response, user)
    return response


@bp.post("/logout")
@login_required
def logout():
    """Log the user out and invalidate every session of the account."""
    current_user.session_version += 1
    db.session.commit()
    _log_auth("logout", user=current_user.id)
    logout_user()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("main.index"))


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Choose a password from an invitation or a reset link (the link works once)."""
    secret = current_app.config["SECRET_KEY"]
    account = user_for_password_token(db.session, token, secret)
    form = SetPasswordForm()
    if form.validate_on_submit():
        with service_call(form, fallback="password", catch=(InvalidQuery,)) as call:
            set_password_with_token(db.session, token, secret, form.password.data or "")
        if call.ok:
            if current_user.is_authenticated:
                logout_user()
            _log_auth("password.set", user=account.id)
            flash(_("Mot de passe enregistré : vous pouvez vous connecter."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, account=account), 400 if form.errors else 200
