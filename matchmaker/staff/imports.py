"""Staff import a cluster's member list: the template to download, the upload, the report row by row."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from matchmaker.access import current_account
from matchmaker.catalogue.importing import ImportFormatError
from matchmaker.catalogue.livret_rows import template_csv, template_xlsx
from matchmaker.downloads import attachment
from matchmaker.errors import NotFound
from matchmaker.extensions import db
from matchmaker.links import external_url
from matchmaker.models import ImportRun
from matchmaker.services.livret.bulk import import_member_list
from matchmaker.services.search import get_engine
from matchmaker.staff import bp
from matchmaker.staff.forms import MemberListForm

TEMPLATES = {
    "csv": (template_csv, "text/csv"),
    "xlsx": (template_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _render(form: MemberListForm, result=None, status: int = 200):
    runs = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(10)).all()
    return render_template("staff/import.html", form=form, result=result, runs=runs), status


@bp.get("/import")
def member_list():
    """Show the member-list upload form, the templates and the latest imports."""
    return _render(MemberListForm())


@bp.post("/import")
def import_members():
    """Import a member list: report each bad row with its line; store all or nothing unless asked otherwise."""
    form = MemberListForm()
    if not form.validate_on_submit():
        return _render(form, status=400)
    upload = form.file.data
    try:
        result = import_member_list(
            get_engine(), db.session, current_account(), upload.read(),
            upload.filename or "import.csv", skip_invalid=bool(form.skip_invalid.data), invite=bool(form.invite.data),
            link=lambda token: external_url("auth.set_password", token=token), secret=current_app.config["SECRET_KEY"])
    except ImportFormatError as exc:
        form.file.errors = [*form.file.errors, str(exc)]
        return _render(form, status=400)
    return _render(MemberListForm(formdata=None), result, 200 if result.report.stored else 400)


@bp.get("/import/modele.<fmt>")
def member_list_template(fmt: str):
    """Download the member-list template (CSV or XLSX, with the notice and the vocabulary)."""
    if fmt not in TEMPLATES:
        raise NotFound(_("Modèle inconnu : choisissez .csv ou .xlsx."))
    build, mimetype = TEMPLATES[fmt]
    return attachment(build(), filename=f"modele_livret.{fmt}", mimetype=mimetype)
