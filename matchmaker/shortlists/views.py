"""Shortlist pages: create, fill, annotate, export."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from matchmaker.access import current_account
from matchmaker.downloads import attachment
from matchmaker.errors import Conflict, InvalidQuery, NotFound
from matchmaker.extensions import db
from matchmaker.formtools import ActionForm, safe_next, service_call
from matchmaker.links import external_url
from matchmaker.models import Organisation, Shortlist, ShortlistEntry, User
from matchmaker.services.needs import get_own_need
from matchmaker.services.profiles import get_organisation
from matchmaker.services.shortlists import (
    add_entry,
    annotate,
    create_shortlist,
    delete_shortlist,
    export_csv,
    get_entry,
    get_shortlist,
    list_shortlists,
    remove_entry,
)
from matchmaker.shortlists import bp
from matchmaker.shortlists.forms import AddToShortlistForm, NoteForm, ShortlistForm


@bp.get("/")
def index():
    """List the user's shortlists."""
    return render_template("shortlists/index.html", shortlists=list_shortlists(db.session, current_account()),
                           form=ShortlistForm())


@bp.post("/nouvelle")
def create():
    """Create an empty shortlist."""
    form = ShortlistForm()
    if form.validate_on_submit():
        with service_call(form, fallback="name", catch=(InvalidQuery, Conflict)) as call:
            shortlist = create_shortlist(db.session, current_account(), form.name.data or "")
        if call.ok:
            flash(_("Liste créée."), "success")
            return redirect(url_for("shortlists.detail", public_id=shortlist.public_id))
    shortlists = list_shortlists(db.session, current_account())
    return render_template("shortlists/index.html", shortlists=shortlists, form=form), 400


@bp.post("/ajouter")
def add():
    """Save an organisation to a list (creating the list when a new name is given)."""
    user = current_account()
    form = AddToShortlistForm()
    back = safe_next(form.next.data) or url_for("shortlists.index")
    if not form.validate_on_submit():
        flash(_("Impossible d'ajouter cette organisation : formulaire incomplet."), "error")
        return redirect(back)
    with service_call(catch=(InvalidQuery, Conflict, NotFound)) as call:
        org = get_organisation(db.session, form.organisation.data or "")
        if form.new_name.data:
            need = get_own_need(db.session, user, form.need.data) if form.need.data else None
            shortlist = create_shortlist(db.session, user, form.new_name.data, need)
        elif form.shortlist.data:
            shortlist = get_shortlist(db.session, user, form.shortlist.data)
        else:
            raise InvalidQuery(_("Choisissez une liste ou donnez un nom à une nouvelle liste."))
        add_entry(db.session, user, shortlist, org)
    if call.ok:
        flash(_("« %(org)s » ajoutée à la liste « %(list)s ».", org=org.name, list=shortlist.name), "success")
    return redirect(back)


def _own_shortlist(public_id: str) -> tuple[User, Shortlist]:
    user = current_account()
    return user, get_shortlist(db.session, user, public_id)


def _own_entry(public_id: str, entry_id: int) -> tuple[User, ShortlistEntry]:
    user, shortlist = _own_shortlist(public_id)
    return user, get_entry(shortlist, entry_id)


@bp.get("/<public_id>")
def detail(public_id: str):
    """Show a shortlist with its notes."""
    shortlist = get_shortlist(db.session, current_account(), public_id)
    return render_template("shortlists/detail.html", shortlist=shortlist, note_form=NoteForm(),
                           action_form=ActionForm())


@bp.post("/<public_id>/entrees/<int:entry_id>/note")
def note(public_id: str, entry_id: int):
    """Save the note of one entry."""
    user, entry = _own_entry(public_id, entry_id)
    form = NoteForm()
    if form.validate_on_submit():
        with service_call(catch=(InvalidQuery,)) as call:
            annotate(db.session, user, entry, form.note.data or "")
        if call.ok:
            flash(_("Note enregistrée."), "success")
    else:
        flash(_("La note ne peut pas dépasser 5000 caractères."), "error")
    return redirect(url_for("shortlists.detail", public_id=public_id) + f"#entry-{entry.id}")


@bp.post("/<public_id>/entrees/<int:entry_id>/retirer")
def remove(public_id: str, entry_id: int):
    """Take an organisation out of the list."""
    user, entry = _own_entry(public_id, entry_id)
    if ActionForm().validate_on_submit():
        remove_entry(db.session, user, entry)
        flash(_("Organisation retirée de la liste."), "info")
    return redirect(url_for("shortlists.detail", public_id=public_id))


@bp.post("/<public_id>/supprimer")
def delete(public_id: str):
    """Delete a shortlist."""
    user, shortlist = _own_shortlist(public_id)
    if ActionForm().validate_on_submit():
        delete_shortlist(db.session, user, shortlist)
        flash(_("Liste supprimée."), "info")
    return redirect(url_for("shortlists.index"))


@bp.get("/<public_id>/export.csv")
def export(public_id: str):
    """Download the shortlist as CSV."""
    shortlist = get_shortlist(db.session, current_account(), public_id)

    def profile_url(org: Organisation) -> str:
        return external_url("main.organisation", key=org.key)

    return attachment(export_csv(shortlist, profile_url), filename=f"liste-{shortlist.public_id}.csv",
                      mimetype="text/csv")
