"""Login and logout."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from matchmaker.auth import bp
from matchmaker.auth.forms import LoginForm
from matchmaker.extensions import db, limiter
from matchmaker.formtools import safe_next
from matchmaker.services.accounts import authenticate, normalise_email

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


def _account_key() -> str:
    """Key the per-account limit on the submitted address, whether an account has it or not."""
    return f"login-account:{_submitted_email()}"


def _too_many_attempts() -> str:
    # The same words for every address, known or not: the lockout must not reveal which accounts exist.
    return _("Trop de tentatives de connexion. Patientez quelques minutes avant de réessayer.")


def _log_auth(event: str, **fields: object) -> None:
    """Log an authentication event as structured fields (never the password)."""
    logger.info(event, extra={"fields": {"event": event, "ip": request.remote_addr, **fields}})


def _log_throttled(limit) -> None:
    _log_auth("login.throttled", email=_loggable_email(), limit=str(limit.limit))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               error_message=_too_many_attempts, on_breach=_log_throttled)
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"], key_func=_account_key,
               deduct_when=lambda response: response.status_code != 302, error_message=_too_many_attempts,
               on_breach=_log_throttled)
def login():
    """Log a user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is None:
            _log_auth("login.failure", email=_loggable_email())
            form.password.errors.append(_("Adresse ou mot de passe incorrect."))
        else:
            login_user(user, remember=bool(form.remember.data))
            _log_auth("login.success", user=user.id, role=user.role)
            flash(_("Vous êtes connecté."), "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


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
