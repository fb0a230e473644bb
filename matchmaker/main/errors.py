"""Error pages for the site and JSON errors for the API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from matchmaker.errors import MatchmakerError, ServiceUnavailable
from matchmaker.extensions import db
from matchmaker.ranking.errors import IndexMissingError, IndexStaleError


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, title: str, message: str, field: str | None = None):
    if _wants_json():
        error = {"status": status, "title": title, "message": message}
        if field:
            error["field"] = field
        return jsonify({"error": error}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(MatchmakerError)
    def domain_error(error: MatchmakerError):
        return _render(error.status_code, type(error).__name__, error.message, error.field)

    @app.errorhandler(IndexMissingError)
    @app.errorhandler(IndexStaleError)
    def index_error(error: Exception):
        # The detail (file paths, numpy's complaint) goes to the log; the page says how to repair.
        app.logger.error("search index unusable on %s: %s", request.path, error)
        unavailable = ServiceUnavailable(_l(
            "L'index de recherche est absent ou illisible. Un administrateur doit le reconstruire avec "
            "`flask --app matchmaker build-index` (ou `flask --app matchmaker setup`, qui répare aussi les données)."
        ))
        return _render(503, _("Index indisponible"), unavailable.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _render(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s", request.path)
        return _render(500, _("Erreur interne"), _("Une erreur inattendue est survenue ; elle a été journalisée."))
