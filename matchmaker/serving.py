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


class HttpsCookies:
    """WSGI middleware: every cookie of a response to an HTTPS request is marked Secure.

    Sits inside ProxyFix, so "HTTPS" means what the trusted proxy says (X-Forwarded-Proto). It sees the
    session cookie too, which Flask sets after the application's after_request hooks.
    """

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status, headers, exc_info=None):
            headers = [
                (name, value + "; Secure" if name.lower() == "set-cookie" and "; secure" not in value.lower()
                 else value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)
