"""Personal data pages: what we hold, the JSON export, and the erasure of the organisation's data."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import logout_user

from matchmaker.access import current_account
from matchmaker.downloads import attachment
from matchmaker.errors import InvalidQuery
from matchmaker.extensions import db
from matchmaker.formtools import service_call
from matchmaker.models import utcnow
from matchmaker.privacy import bp
from matchmaker.privacy.forms import DeleteDataForm
from matchmaker.services.privacy import delete_data, export_data, scope_of
from matchmaker.services.search import get_engine


def _render(form: DeleteDataForm, status: int = 200):
    return render_template("privacy/index.html", scope=scope_of(db.session, current_account()), form=form), status


@bp.get("/")
def index():
    """Explain what the platform holds about the organisation, with the export and erasure buttons."""
    return _render(DeleteDataForm())


@bp.get("/export.json")
def export():
    """Download everything the platform holds about the organisation and its accounts, as JSON."""
    payload = export_data(db.session, current_account())
    filename = f"mes-donnees-{utcnow():%Y-%m-%d}.json"
    return attachment(json.dumps(payload, ensure_ascii=False, indent=2), filename=filename,
                      mimetype="application/json")


@bp.post("/supprimer")
def erase():
    """Erase the organisation's data and anonymise its accounts, then log out."""
    form = DeleteDataForm()
    if form.validate_on_submit():
        with service_call(form, fallback="confirmation", catch=(InvalidQuery,)) as call:
            delete_data(get_engine(), db.session, current_account(),
                        confirmation=form.confirmation.data or "", password=form.password.data or "")
        if call.ok:
            logout_user()
            flash(_("Vos données ont été supprimées et votre compte fermé."), "success")
            return redirect(url_for("main.index"))
    return _render(form, 400)
