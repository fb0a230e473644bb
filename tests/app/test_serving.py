"""`flask serve --workers N`: server processes share one port, so searches use every core."""

from __future__ import annotations

import http.client
import socket
import threading

from waitress import wasyncore

from matchmaker.config import TestConfig
from matchmaker.serving import create_server
from tests.support.apps import create_test_app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_servers_sharing_a_port_both_answer():
    port = _free_port()
    seen: list[str] = []
    servers, threads = [], []
    for name in ("first", "second"):
        served = create_test_app(TestConfig)

        @served.after_request
        def tag(response, name=name):
            seen.append(name)
            return response

        server = create_server(served, host="127.0.0.1", port=port, threads=2, reuse_port=True)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append(server)
        threads.append(thread)
    try:
        for _ in range(40):  # a new connection each time: the kernel spreads them over both processes' sockets
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/health")
            assert connection.getresponse().status in (200, 503)
            connection.close()
    finally:
        for server, thread in zip(servers, threads, strict=True):
            server.trigger.pull_trigger(lambda server=server: wasyncore.close_all(server.map))
            thread.join(timeout=10)
            server.task_dispatcher.shutdown()
    assert set(seen) == {"first", "second"} and len(seen) == 40
