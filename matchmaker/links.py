"""Absolute links for e-mails and exports, built on the configured public address.

The request's Host header is chosen by the client: copying it into a CSV or an e-mail would let
anyone plant links to another site. ``EXTERNAL_URL`` (``MATCHMAKER_EXTERNAL_URL``) is the address
users reach the platform at.
"""

from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values: object) -> str:
    """Return an absolute URL for an endpoint on the configured public address."""
    base = str(current_app.config["EXTERNAL_URL"]).rstrip("/")
    return base + url_for(endpoint, _external=False, **values)
