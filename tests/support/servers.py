"""The production server (waitress, as `flask serve` configures it) on a free local port, for HTTP-level tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from waitress import wasyncore

from matchmaker.serving import create_server


@contextmanager
def waitress_thread(app: Flask, *, threads: int = 4) -> Iterator[int]:
    """Serve ``app`` with waitress from a background thread; yield its port, then stop it cleanly."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        # Close the sockets from inside the loop (closing them from here races its select: EBADF), then
        # stop the worker threads once the loop is over.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server.map if hasattr(server, "map")
                                                                else server._map))
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()
