"""Bounded load test against the production server (`flask --app matchmaker serve`: waitress) on 127.0.0.1.

What it does, in a throw-away directory (nothing of the repository's instance/ or models/ is touched):

1. `flask --app matchmaker setup` on an empty SQLite file: the bundled open data (or its first
   ``--orgs`` organisations) is imported and the index built with the chosen encoder (``fake``, the
   deterministic hashing encoder of the test suite, by default: the real e5 model would spend the
   whole run encoding on 2 cores; pass ``--encoder e5`` to measure it);
2. creates the accounts: ``--buyers`` buyers and ``--staff`` staff members;
3. starts `flask --app matchmaker serve --threads N` on a free loopback port and waits for /health;
4. runs concurrent clients until ``--requests`` requests were sent or ``--time-limit`` seconds passed:
   - anonymous searchers: the search page and GET /api/search, alternately;
   - buyers: log in through the real form (CSRF token), search, write a need through the form,
     submit it to review;
   - staff: log in, open the review queue, validate a submitted need (which proposes suggestions),
     accept its first suggestion in the curation page;
5. stops the server and checks the SQLite file: every write a client saw succeed (a need created,
   submitted, validated, a suggestion accepted) must be there — the lost-writes count.

It prints throughput, p50/p95/p99 latency per request kind, errors, and the write check; with
``--write [PATH]`` it also writes the report (``benchmarks/results/load.md`` by default).

Run from the repository root (about two minutes with the defaults):

    python benchmarks/load.py --requests 1500 --clients 12 --time-limit 300 --write
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import itertools
import json
import os
import platform
import queue
import random
import re
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-42"
QUERIES = [
    "caractérisation de biomatériaux implantables", "essais de biocompatibilité ISO 10993",
    "anticorps monoclonaux production", "imagerie médicale IRM", "dispositif médical classe IIa marquage CE",
    "microfluidique diagnostic", "culture cellulaire 3D organoïdes", "usinage de précision titane",
    "intelligence artificielle radiologie", "thérapie génique vecteurs viraux", "cancer du sein biomarqueurs",
    "impression 3D prothèses", "analyse protéomique spectrométrie de masse", "essais cliniques phase I",
    "hébergement de données de santé HDS", "capteurs connectés télésurveillance", "nanoparticules vectorisation",
    "stérilisation oxyde d'éthylène", "séquençage haut débit", "électrophysiologie cardiaque",
]
NEED_TEXT = (
    "Nous cherchons un laboratoire ou une plateforme capable de caractériser des biomatériaux et des "
    "dispositifs médicaux implantables, pour valider un nouveau procédé de fabrication avant le marquage CE. "
    "Essais mécaniques et biocompatibilité ISO 10993, délai de six mois, budget de 50 k€."
)
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# -- preparing the platform ------------------------------------------------------------------------------


def environment(workdir: Path, encoder: str, bundle: Path | None) -> dict[str, str]:
    """Return the environment of every command of the run: its own database, index and instance."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'matchmaker.sqlite3'}",
        MATCHMAKER_INSTANCE_DIR=str(workdir / "instance"),
        MATCHMAKER_MODELS_DIR=str(workdir / "models"),
        MATCHMAKER_ENCODER=encoder,
        SECRET_KEY="load-test-secret",
        MATCHMAKER_LOG_LEVEL="WARNING",
        # Every client logs in from 127.0.0.1: the per-IP login limit would refuse them, not protect them.
        MATCHMAKER_LOGIN_RATE_LIMIT="10000 per minute",
        PYTHONUNBUFFERED="1",
    )
    if bundle is not None:
        env["MATCHMAKER_BUNDLED_DATA"] = str(bundle)
    return env


def slice_bundle(workdir: Path, orgs: int) -> Path:
    """Write the first ``orgs`` organisations of the bundled open data into the work directory."""
    target = workdir / "bundle"
    target.mkdir()
    source = ROOT / "data" / "competences" / "organisations.jsonl.gz"
    with gzip.open(source, "rt", encoding="utf-8") as read, gzip.open(target / source.name, "wt",
                                                                          encoding="utf-8") as write:
        for line in itertools.islice(read, orgs):
            write.write(line)
    return target


def flask(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run one `flask --app matchmaker` command in the run's environment."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "matchmaker", *args], env=env, cwd=ROOT,
                          check=True, capture_output=True, text=True, **kwargs)


ACCOUNTS_SCRIPT = """
import sys
from argon2 import PasswordHasher
from matchmaker import create_app
from matchmaker.extensions import db
from matchmaker.models import User
buyers, staff, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
app = create_app()
hashed = PasswordHasher().hash(password)
with app.app_context():
    for role, count in (("buyer", buyers), ("staff", staff)):
        for n in range(count):
            db.session.add(User(email=f"{role}{n}@load.example", role=role, password_hash=hashed))
    db.session.commit()
"""


def prepare(workdir: Path, env: dict[str, str], buyers: int, staff: int) -> float:
    """Import the data, build the index and create the accounts; return the seconds it took."""
    start = time.perf_counter()
    flask(env, "setup")
    subprocess.run([sys.executable, "-c", ACCOUNTS_SCRIPT, str(buyers), str(staff), PASSWORD], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    return time.perf_counter() - start


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, threads: int, log: Path) -> subprocess.Popen:
    """Start the production server and wait until /health answers 200."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "matchmaker", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--threads", str(threads)],
        env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped (exit {process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return process
        except (OSError, urllib.error.URLError):
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"the server did not become healthy in 180 s; see {log}")


# -- the clients ------------------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand 3xx answers back to the caller: the Location of a POST is the result we check."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


@dataclass
class Outcome:
    """What one request returned."""

    status: int
    body: str
    location: str


@dataclass
class Run:
    """Shared state of the clients: the request budget, the deadline, timings, errors and observed writes."""

    base: str
    budget: int
    deadline: float
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    created: dict[str, str] = field(default_factory=dict)  # need public id -> highest status the client saw
    accepted: set[tuple[str, int]] = field(default_factory=set)
    submitted: queue.Queue = field(default_factory=queue.Queue)

    def take(self) -> bool:
        """Reserve one request of the budget; False when the budget or the time is spent."""
        with self.lock:
            if self.sent >= self.budget or time.monotonic() > self.deadline:
                return False
            self.sent += 1
            return True


class Budget(Exception):
    """The run is over: no request left, or no time."""


class Client:
    """One browser-like visitor: its own cookies, no automatic redirects."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)

    def request(self, kind: str, path: str, data: dict | None = None, expect: tuple[int, ...] = (200,)) -> Outcome:
        """Send one request, time it and count it as an error unless its status is expected."""
        if not self.run.take():
            raise Budget
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.run.base + path, data=body, timeout=60) as response:
                outcome = Outcome(response.status, response.read().decode("utf-8", "replace"),
                                  response.headers.get("Location", ""))
        except urllib.error.HTTPError as error:
            outcome = Outcome(error.code, error.read().decode("utf-8", "replace"), error.headers.get("Location", ""))
        except OSError as error:
            outcome = Outcome(0, repr(error), "")
        elapsed = time.perf_counter() - started
        with self.run.lock:
            self.run.timings[kind].append(elapsed)
            if outcome.status not in expect:
                self.run.errors[kind] += 1
                if len(self.run.error_samples) < 10:
                    self.run.error_samples.append(f"{kind} {path} -> {outcome.status}: {outcome.body[:200]!r}")
        return outcome

    def token(self, kind: str, path: str) -> tuple[str, Outcome]:
        """GET a page and return the CSRF token of its forms."""
        page = self.request(kind, path)
        found = TOKEN.search(page.body)
        return (found.group(1) if found else ""), page

    def login(self, email: str) -> None:
        """Log in through the login form."""
        token, _ = self.token("login form", "/auth/login")
        answer = self.request("login", "/auth/login", {"csrf_token": token, "email": email, "password": PASSWORD},
                              expect=(302,))
        if answer.status != 302:
            raise Budget  # cannot act without a session: count the error and stop this client


def searcher(run: Run, number: int) -> None:
    """Search anonymously, alternating the page and the JSON API."""
    client, rng = Client(run), random.Random(number)
    for step in itertools.count():
        q = urllib.parse.quote(rng.choice(QUERIES))
        if step % 2:
            client.request("search page", f"/?q={q}")
        else:
            client.request("search api", f"/api/search?q={q}&limit=10")


def buyer(run: Run, number: int) -> None:
    """Log in, search, write needs and submit them."""
    client, rng = Client(run), random.Random(1000 + number)
    client.login(f"buyer{number}@load.example")
    for n in itertools.count():
        client.request("search page", f"/?q={urllib.parse.quote(rng.choice(QUERIES))}")
        token, _ = client.token("need form", "/besoins/nouveau")
        fields = {"csrf_token": token, "title": f"Besoin {number}-{n} : {rng.choice(QUERIES)}",
                  "description": NEED_TEXT, "confidentiality": "public", "sought_kinds": ["lab", "platform"]}
        created = client.request("need create", "/besoins/nouveau", fields, expect=(302,))
        if created.status != 302:
            continue
        public_id = created.location.rstrip("/").rsplit("/", 1)[-1]
        with run.lock:
            run.created[public_id] = "draft"
        submitted = client.request("need submit", f"/besoins/{public_id}/soumettre",
                                   {"csrf_token": token, "acknowledge": "y"}, expect=(302,))
        if submitted.status == 302:
            with run.lock:
                run.created[public_id] = "submitted"
            run.submitted.put(public_id)


DECISION = re.compile(r'action="(/equipe/besoins/[^/"]+/suggestions/(\d+)/decision)"')


def curator(run: Run, number: int) -> None:
    """Log in as staff, validate submitted needs and accept their first suggestion."""
    client = Client(run)
    client.login(f"staff{number}@load.example")
    while True:
        client.request("staff queue", "/equipe/?tab=needs")
        try:
            public_id = run.submitted.get(timeout=0.5)
        except queue.Empty:
            client.request("audit log", "/equipe/journal")
            continue
        token, _ = client.token("staff need", f"/equipe/besoins/{public_id}")
        validated = client.request("staff validate", f"/equipe/besoins/{public_id}/valider", {"csrf_token": token},
                                   expect=(302,))
        if validated.status != 302:
            continue
        with run.lock:
            run.created[public_id] = "validated"
        page = client.request("staff curation", f"/equipe/besoins/{public_id}/curation")
        found = DECISION.search(page.body)
        if found is None:
            continue
        decided = client.request("staff decide", found.group(1), {"csrf_token": token, "decision": "accept"},
                                 expect=(302,))
        if decided.status == 302:
            with run.lock:
                run.accepted.add((public_id, int(found.group(2))))


def run_clients(run: Run, searchers: int, buyers: int, staff: int) -> float:
    """Run every client in its own thread until the budget or the deadline; return the wall time."""

    def guarded(target, number):
        try:
            target(run, number)
        except Budget:
            pass
        except Exception as error:  # a client bug must not hang the run: count it
            with run.lock:
                run.errors["client crash"] += 1
                run.error_samples.append(f"client crash: {error!r}")

    threads = [threading.Thread(target=guarded, args=(target, n), daemon=True)
               for target, count in ((searcher, searchers), (buyer, buyers), (curator, staff)) for n in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, run.deadline - time.monotonic() + 90))
    return time.perf_counter() - started


# -- checking the writes -------------------------------------------------------------------------------------

ORDER = {"draft": 0, "submitted": 1, "validated": 2}


def check_writes(database: Path, run: Run) -> dict[str, int]:
    """Compare what the clients saw succeed with what the database holds."""
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = dict(connection.execute("SELECT public_id, status FROM needs"))
        accepted = {
            (public_id, suggestion)
            for public_id, suggestion in connection.execute(
                "SELECT n.public_id, d.suggestion_id FROM curation_decisions d JOIN needs n ON n.id = d.need_id "
                "WHERE d.decision = 'accept'")
        }
    lost_needs = [p for p, status in run.created.items()
                  if p not in stored or ORDER.get(stored[p], -1) < ORDER[status]]
    lost_decisions = run.accepted - accepted
    return {
        "needs_seen": len(run.created),
        "needs_stored": sum(1 for p in run.created if p in stored),
        "submitted_seen": sum(1 for s in run.created.values() if ORDER[s] >= 1),
        "validated_seen": sum(1 for s in run.created.values() if s == "validated"),
        "decisions_seen": len(run.accepted),
        "lost": len(lost_needs) + len(lost_decisions),
    }


# -- reporting --------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of the values, in milliseconds."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return 1000 * ordered[index]


def report(args: argparse.Namespace, run: Run, wall: float, writes: dict[str, int], setup_seconds: float) -> str:
    """Return the Markdown report of the run."""
    everything = [t for values in run.timings.values() for t in values]
    errors = sum(run.errors.values())
    lines = [
        "# Load test",
        "",
        f"Command: `python benchmarks/load.py {shlex.join(sys.argv[1:])}`",
        "",
        f"Server: `flask --app matchmaker serve --threads {args.threads}` (waitress) on 127.0.0.1, SQLite file "
        f"database, encoder `{args.encoder}`, {args.orgs or 'all the'} bundled organisations "
        f"(setup {setup_seconds:.0f} s). Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"clients in the same machine ({args.searchers} anonymous searchers, {args.buyers} buyers, "
        f"{args.staff} staff).",
        "",
        f"**{len(everything)} requests in {wall:.1f} s: {len(everything) / wall:.1f} requests/s, "
        f"p50 {percentile(everything, 50):.0f} ms, p95 {percentile(everything, 95):.0f} ms, "
        f"p99 {percentile(everything, 99):.0f} ms, {errors} errors, {writes['lost']} lost writes.**",
        "",
        "| request | count | p50 ms | p95 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind in sorted(run.timings, key=lambda k: -len(run.timings[k])):
        values = run.timings[kind]
        lines.append(f"| {kind} | {len(values)} | {percentile(values, 50):.0f} | {percentile(values, 95):.0f} | "
                     f"{1000 * max(values):.0f} | {run.errors.get(kind, 0)} |")
    lines += [
        "",
        "Writes checked afterwards in the database (what the clients saw succeed must be stored):",
        "",
        f"- needs created by buyers: {writes['needs_seen']} seen by the clients, {writes['needs_stored']} in the "
        "database;",
        f"- submitted to review: {writes['submitted_seen']}; validated by staff: {writes['validated_seen']};",
        f"- suggestions accepted in curation: {writes['decisions_seen']};",
        f"- **lost writes: {writes['lost']}**; `PRAGMA integrity_check`: ok.",
        "",
    ]
    if run.error_samples:
        lines += ["Error samples:", "", *[f"- `{sample}`" for sample in run.error_samples], ""]
    return "\n".join(lines)


def main() -> int:
    """Prepare, serve, load, check and report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1500, help="total requests sent by all clients")
    parser.add_argument("--time-limit", type=float, default=300, help="seconds of load at most")
    parser.add_argument("--searchers", type=int, default=4)
    parser.add_argument("--buyers", type=int, default=6)
    parser.add_argument("--staff", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--encoder", default="fake", help="fake (default), e5 or minilm")
    parser.add_argument("--orgs", type=int, default=0, help="import only the first N bundled organisations")
    parser.add_argument("--workdir", type=Path, help="keep the database, index and server log here (reused by a "
                        "later run: same data and accounts, no setup)")
    parser.add_argument("--write", nargs="?", type=Path, const=ROOT / "benchmarks" / "results" / "load.md",
                        help="write the report (default: benchmarks/results/load.md)")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="matchmaker-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    bundle = slice_bundle(workdir, args.orgs) if args.orgs else None
    env = environment(workdir, args.encoder, bundle)
    if (workdir / "matchmaker.sqlite3").exists():  # a --workdir kept from an earlier run: same data, same accounts
        setup_seconds = 0.0
    else:
        print(f"preparing {workdir} ...", file=sys.stderr)
        setup_seconds = prepare(workdir, env, args.buyers, args.staff)
    port = free_port()
    server = start_server(env, port, args.threads, workdir / "server.log")
    run = Run(base=f"http://127.0.0.1:{port}", budget=args.requests, deadline=time.monotonic() + args.time_limit)
    print(f"loading http://127.0.0.1:{port} with {args.requests} requests ...", file=sys.stderr)
    try:
        wall = run_clients(run, args.searchers, args.buyers, args.staff)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    writes = check_writes(workdir / "matchmaker.sqlite3", run)
    text = report(args, run, wall, writes, setup_seconds)
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")
        print(f"written {args.write}", file=sys.stderr)
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    summary = {"requests": sum(len(v) for v in run.timings.values()), "errors": sum(run.errors.values()), **writes}
    print(json.dumps(summary), file=sys.stderr)
    return 1 if summary["errors"] or writes["lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
