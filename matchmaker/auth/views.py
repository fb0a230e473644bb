"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from matchmaker.auth import bp
from matchmaker.auth.forms import LoginForm
from matchmaker.extensions import db, limiter
from matchmaker.services.accounts import authenticate


def _safe_next(target: str | None) -> str | None:
    """Accept only local redirect targets."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Log a user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is None:
            form.password.errors.append(_("Adresse ou mot de passe incorrect."))
        else:
            login_user(user, remember=bool(form.remember.data))
            flash(_("Vous êtes connecté."), "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


@bp.post("/logout")
@login_required
def logout():
    """Log the user out and invalidate every session of the account."""
    current_user.session_version += 1
    db.session.commit()
    logout_user()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("main.index"))
