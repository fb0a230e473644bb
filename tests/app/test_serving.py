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


def test_a_server_process_whose_parent_dies_stops(tmp_path):
    """`serve --workers`: the other processes watch the first one and stop with it, even after a SIGKILL."""
    import os
    import signal
    import subprocess
    import sys
    import time

    pid_file = tmp_path / "child.pid"
    child_code = (
        "import os, sys, time\n"
        "from matchmaker.serving import stop_on_sigterm, stop_when_orphaned\n"
        "stop_on_sigterm()\n"
        "stop_when_orphaned(int(sys.argv[1]), interval=0.1)\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "time.sleep(60)\n"
    )
    parent_code = (
        "import os, subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', {child_code!r}, str(os.getpid())])\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code])
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the child did not start"
            time.sleep(0.1)
        child = int(pid_file.read_text())
        os.kill(child, 0)  # alive while its parent is
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while True:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            try:  # reparented to init: gone once reaped, a zombie until then
                with open(f"/proc/{child}/stat") as stat:
                    if stat.read().split()[2] == "Z":
                        break
            except FileNotFoundError:
                break
            assert time.monotonic() < deadline, "the orphaned server process kept running"
            time.sleep(0.1)
    finally:
        if parent.poll() is None:
            parent.kill()
