"""The production server: waitress, set up so that the proxy settings of the application hold."""

from __future__ import annotations

from typing import Any

from flask import Flask


def server_options(app: Flask, *, threads: int) -> dict[str, Any]:
    """Return waitress's options for this application.

    Waitress drops X-Forwarded-* headers unless told otherwise; behind a reverse proxy
    (``MATCHMAKER_PROXY_HOPS`` > 0) the application's ProxyFix must see them, or every visitor
    would share the proxy's address, and the login limits with it.
    """
    return {"threads": threads, "clear_untrusted_proxy_headers": not app.config.get("PROXY_HOPS", 0)}


def create_server(app: Flask, *, host: str, port: int, threads: int = 8):
    """Return a waitress server for the application (``run()`` serves until ``close()``)."""
    from waitress.server import create_server as waitress_server

    return waitress_server(app, host=host, port=port, **server_options(app, threads=threads))
