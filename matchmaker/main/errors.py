"""Error pages for the site and JSON errors for the API."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, MethodNotAllowed

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


HTTP_TITLES = {
    400: _l("Requête invalide"),
    401: _l("Connexion requise"),
    403: _l("Accès refusé"),
    404: _l("Page introuvable"),
    405: _l("Méthode non autorisée"),
    413: _l("Envoi trop volumineux"),
    415: _l("Format non pris en charge"),
    429: _l("Trop de requêtes"),
    500: _l("Erreur interne"),
}


def http_error_text(error: HTTPException, max_bytes: int | None) -> tuple[str, str]:
    """Return the translated title and message of an HTTP error; a message given where it was raised is kept."""
    code = error.code or 500
    title = str(HTTP_TITLES.get(code, error.name))
    if error.description and error.description != type(error).description:
        return title, error.description  # ours, already in the user's language
    if code == 401:
        message = _("Connectez-vous pour accéder à cette page ou à cette ressource.")
    elif code == 403:
        message = _("Votre compte ne permet pas cette action.")
    elif code == 404:
        message = _("Cette adresse ne correspond à aucune page. Vérifiez le lien ou repartez de l'accueil.")
    elif code == 405:
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
        message = _("Cette adresse n'accepte pas la méthode %(method)s (méthodes acceptées : %(allowed)s).",
                    method=request.method, allowed=allowed or "—")
    elif code == 413:
        megabytes = round((max_bytes or 0) / (1024 * 1024))
        message = _("L'envoi dépasse la taille maximale acceptée (%(size)s Mo).", size=megabytes)
    elif code == 415:
        message = _("Envoyez le corps de la requête en JSON (Content-Type: application/json).")
    elif code == 429:
        message = _("Trop de requêtes : patientez un peu avant de réessayer.")
    else:
        message = _("La requête n'a pas pu être traitée.")
    return title, message


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(MatchmakerError)
    def domain_error(error: MatchmakerError):
        return _render(error.status_code, str(error.title), error.message, error.field)

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
        code = error.code or 500
        title, message = http_error_text(error, app.config.get("MAX_CONTENT_LENGTH"))
        response = make_response(_render(code, title, message))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s", request.path)
        return _render(500, _("Erreur interne"), _("Une erreur inattendue est survenue ; elle a été journalisée."))
