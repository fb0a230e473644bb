"""The production server: waitress, set up so that the proxy settings of the application hold."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from typing import Any

from flask import Flask


def server_options(app: Flask, *, threads: int) -> dict[str, Any]:
    """Return waitress's options for this application.

    Waitress drops X-Forwarded-* headers unless told otherwise; behind a reverse proxy
    (``MATCHMAKER_PROXY_HOPS`` > 0) the application's ProxyFix must see them, or every visitor
    would share the proxy's address, and the login limits with it.
    """
    return {"threads": threads, "clear_untrusted_proxy_headers": not app.config.get("PROXY_HOPS", 0)}


def shared_socket(host: str, port: int) -> socket.socket:
    """Return a listening socket that other server processes can bind to as well (SO_REUSEPORT).

    The kernel spreads new connections over the processes, so searches (CPU-bound Python under one GIL
    per process) use every core.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def create_server(app: Flask, *, host: str, port: int, threads: int = 8, reuse_port: bool = False):
    """Return a waitress server for the application (``run()`` serves until ``close()``).

    With ``reuse_port``, the port may be shared with other processes serving the same application.
    """
    from waitress.server import create_server as waitress_server

    if reuse_port:
        return waitress_server(app, sockets=[shared_socket(host, port)], **server_options(app, threads=threads))
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


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that ``finally`` blocks (stopping the other server processes) run."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def stop_when_orphaned(parent_pid: int, interval: float = 1.0) -> threading.Thread:
    """Send ourselves SIGTERM once ``parent_pid`` is no longer our parent (it died, even by SIGKILL)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    watcher = threading.Thread(target=watch, name="parent-watch", daemon=True)
    watcher.start()
    return watcher
