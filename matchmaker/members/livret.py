"""The livret de compétences: the member edits a draft, sends it to staff, and sees what to add first."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from matchmaker.access import current_account
from matchmaker.errors import InvalidQuery, NotFound
from matchmaker.extensions import db
from matchmaker.formtools import service_call
from matchmaker.livret_vocabulary import ACTIVITY_GROUPS, MATERIAL_GROUPS, VOCABULARIES
from matchmaker.members import bp
from matchmaker.members.forms import LivretForm
from matchmaker.models import Organisation
from matchmaker.services.livret import live_livret
from matchmaker.services.livret.completeness import completeness, recent_demand
from matchmaker.services.livret.review import editable_livret, last_decision, save_livret, working_revision


def _organisation() -> Organisation:
    org = current_account().organisation
    if org is None:
        raise NotFound(_("Votre compte n'est rattaché à aucune organisation."))
    return org


def _render(org: Organisation, form: LivretForm, status: int = 200):
    lang = str(get_locale() or "fr")[:2]
    draft = form.to_input() if request.method == "POST" else editable_livret(db.session, org)
    score = completeness(draft, org.kind, recent_demand(db.session, org.kind), lang=lang)
    groups = {section: {t.code: t.group for t in VOCABULARIES[section]} for section in ("activities", "materials")}
    return render_template(
        "members/livret.html", org=org, form=form, revision=working_revision(db.session, org),
        decision=last_decision(db.session, org), live=live_livret(org), published=org.livret,
        completeness=score, groups=groups, activity_groups=ACTIVITY_GROUPS, material_groups=MATERIAL_GROUPS,
        lang=lang, today=date.today(),
    ), status


@bp.get("/livret")
def livret():
    """Show the livret form (the draft, else the live livret), its completeness and what to add first."""
    org = _organisation()
    form = LivretForm()
    form.fill(editable_livret(db.session, org))
    return _render(org, form)


@bp.post("/livret")
def save_livret_view():
    """Save the livret as a draft, or send it to staff for publication."""
    org = _organisation()
    form = LivretForm()
    if form.validate_on_submit():
        submit = bool(form.send.data)
        with service_call(form, catch=(InvalidQuery,)) as call:
            save_livret(db.session, current_account(), org, form.to_input(), submit=submit,
                        message=form.message.data or "")
        if call.ok:
            flash(_("Livret envoyé : l'équipe le relit avant publication ; la version en ligne reste visible d'ici "
                    "là.") if submit else _("Brouillon enregistré : il n'est visible que de votre équipe."),
                  "success")
            return redirect(url_for("members.livret"))
    return _render(org, form, 400)
