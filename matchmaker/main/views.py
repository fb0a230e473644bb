"""Public pages: the search home page and organisation profiles."""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from matchmaker.errors import InvalidQuery, NotFound
from matchmaker.extensions import db
from matchmaker.health import health
from matchmaker.main import bp
from matchmaker.models import Organisation
from matchmaker.services.search import get_engine, region_choices, search_organisations, search_request_from_args
from matchmaker.vocabulary import CERTIFICATIONS, ORGANISATION_KINDS


@bp.get("/")
def index():
    """Show the search form and, when a query is given, the ranked organisations."""
    query = request.args.get("q")
    results = None
    error = None
    if query is not None:
        try:
            search_request = search_request_from_args(
                request.args,
                limit=current_app.config["PAGE_SIZE"],
                max_chars=current_app.config["MAX_QUERY_CHARS"],
                max_results=current_app.config["MAX_RESULTS"],
            )
        except InvalidQuery as exc:
            error = exc
        else:
            results = search_organisations(get_engine(), db.session, search_request)
    status = 400 if error else 200
    return (
        render_template(
            "main/index.html",
            query=query or "",
            results=results,
            error=error,
            kinds=ORGANISATION_KINDS,
            regions=region_choices(),
            certifications=CERTIFICATIONS,
            selected_kinds=request.args.getlist("kind"),
            selected_regions=request.args.getlist("region"),
            selected_certifications=request.args.getlist("certification"),
            near_region=request.args.get("near_region") or "",
        ),
        status,
    )


@bp.get("/organisations/<path:key>")
def organisation(key: str):
    """Show an organisation's profile and every piece of evidence it is ranked on."""
    org = db.session.scalar(select(Organisation).where(Organisation.key == key))
    if org is None:
        raise NotFound(_("Cette organisation n'existe pas."))
    linked = []
    targets = [link.to_key for link in org.links]
    if targets:
        linked = list(db.session.scalars(select(Organisation).where(Organisation.key.in_(targets))))
    return render_template("main/organisation.html", org=org, linked=linked, today=date.today())


bp.add_url_rule("/health", view_func=health)


@bp.get("/a-propos")
def about():
    """Explain where the data comes from and how matching works."""
    return render_template("main/about.html")
