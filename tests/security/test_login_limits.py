"""Login throttling: only failures count, per (address, account) pair, per address, per account and site-wide,
and a browser the owner already logged in from is never locked out by someone else's failures.

The policy is the README's (section "Security and reliability"). Addresses are told apart with
X-Forwarded-For behind one trusted proxy (PROXY_HOPS = 1), as in production behind nginx.
"""

from __future__ import annotations

import http.client
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher

from matchmaker.config import TestConfig
from matchmaker.extensions import db
from matchmaker.models import User
from tests.support.apps import create_test_app
from tests.support.servers import waitress_thread

from .conftest import PASSWORD

WRONG = "wrong password!"


def _app(tmp_path, **limits):
    settings = {
        "LOGIN_PAIR_RATE_LIMIT": "3 per 15 minutes",
        "LOGIN_RATE_LIMIT": "1000 per hour",
        "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per hour",
        "LOGIN_GLOBAL_RATE_LIMIT": "1000 per hour",
        "LOGIN_KNOWN_BROWSER_RATE_LIMIT": "3 per 15 minutes",
        **limits,
    }

    class Throttled(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        RATELIMIT_ENABLED = True
        PROXY_HOPS = 1

    for name, value in settings.items():
        setattr(Throttled, name, value)
    app = create_test_app(Throttled)
    with app.app_context():
        hashed = PasswordHasher().hash(PASSWORD)
        for name in ("alice", "bob", "carol", "admin"):
            db.session.add(User(email=f"{name}@example.org", password_hash=hashed, role="admin" if name == "admin"
                                else "buyer"))
        db.session.commit()
    return app


def _login(client, who: str, password: str, ip: str):
    return client.post("/auth/login", data={"email": f"{who}@example.org", "password": password},
                       headers={"X-Forwarded-For": ip})


def _retry_after(response) -> int:
    return int(response.headers["Retry-After"])


def test_successful_logins_are_never_counted(tmp_path):
    """53 successes from one address locked every account out: successes must cost nothing."""
    app = _app(tmp_path, LOGIN_RATE_LIMIT="3 per minute", LOGIN_PAIR_RATE_LIMIT="3 per minute",
               LOGIN_GLOBAL_RATE_LIMIT="3 per minute", LOGIN_ACCOUNT_RATE_LIMIT="3 per minute")
    codes = []
    for _ in range(6):
        for who in ("alice", "bob", "admin"):
            client = app.test_client()
            codes.append(_login(client, who, PASSWORD, "192.0.2.10").status_code)
    assert codes == [302] * 18


def test_failures_lock_the_pair_not_the_owner_elsewhere(tmp_path):
    app = _app(tmp_path)
    attacker = app.test_client()
    assert [_login(attacker, "alice", WRONG, "203.0.113.5").status_code for _ in range(3)] == [400, 400, 400]
    refused = _login(attacker, "alice", PASSWORD, "203.0.113.5")  # even the right password, from there
    assert refused.status_code == 429 and 0 < _retry_after(refused) <= 15 * 60
    assert "Trop de tentatives" in refused.get_data(as_text=True)
    assert _login(attacker, "bob", WRONG, "203.0.113.5").status_code == 400  # other accounts from there: open
    assert _login(app.test_client(), "alice", PASSWORD, "198.51.100.20").status_code == 302  # the owner elsewhere


def test_a_success_clears_the_pair_so_typos_do_not_add_up(tmp_path):
    app = _app(tmp_path)
    client = app.test_client()
    for _ in range(3):
        assert _login(client, "alice", WRONG, "192.0.2.1").status_code == 400
        assert _login(client, "alice", WRONG, "192.0.2.1").status_code == 400
        assert _login(client, "alice", PASSWORD, "192.0.2.1").status_code == 302
        client.post("/auth/logout")


def test_one_address_spraying_many_accounts_is_stopped(tmp_path):
    app = _app(tmp_path, LOGIN_RATE_LIMIT="4 per hour")
    sprayer = app.test_client()
    codes = [_login(sprayer, who, WRONG, "203.0.113.9").status_code for who in ("alice", "bob", "carol", "ghost")]
    assert codes == [400] * 4
    assert _login(sprayer, "admin", PASSWORD, "203.0.113.9").status_code == 429
    assert _login(app.test_client(), "admin", PASSWORD, "198.51.100.1").status_code == 302


def test_an_attacker_who_knows_the_address_cannot_lock_the_owner_out(tmp_path):
    """Distributed guessing on one account closes it to new browsers, not to the owner's known browser."""
    app = _app(tmp_path, LOGIN_ACCOUNT_RATE_LIMIT="4 per hour")
    owner = app.test_client()
    assert _login(owner, "alice", PASSWORD, "198.51.100.7").status_code == 302  # the browser becomes known
    owner.post("/auth/logout")
    for octet in range(4):  # four addresses, one failure each: no pair limit is reached
        assert _login(app.test_client(), "alice", WRONG, f"203.0.113.{octet}").status_code == 400
    new_browser = _login(app.test_client(), "alice", PASSWORD, "203.0.113.200")
    assert new_browser.status_code == 429 and _retry_after(new_browser) > 0
    assert _login(owner, "alice", PASSWORD, "198.51.100.7").status_code == 302  # the owner is not locked out
    owner.post("/auth/logout")
    assert _login(owner, "alice", PASSWORD, "203.0.113.200").status_code == 302  # from any address


def test_a_known_browser_still_has_its_own_failure_limit(tmp_path):
    app = _app(tmp_path, LOGIN_ACCOUNT_RATE_LIMIT="1 per hour")
    owner = app.test_client()
    assert _login(owner, "alice", PASSWORD, "198.51.100.7").status_code == 302
    owner.post("/auth/logout")
    codes = [_login(owner, "alice", WRONG, f"198.51.100.{i}").status_code for i in range(4)]
    assert codes == [400, 400, 400, 429]


def test_the_global_failure_budget_closes_login_to_unknown_browsers_only(tmp_path):
    app = _app(tmp_path, LOGIN_GLOBAL_RATE_LIMIT="5 per hour")
    owner = app.test_client()
    assert _login(owner, "bob", PASSWORD, "198.51.100.2").status_code == 302
    owner.post("/auth/logout")
    for i, who in enumerate(("alice", "carol", "ghost", "nobody", "alice")):
        assert _login(app.test_client(), who, WRONG, f"203.0.113.{i}").status_code == 400
    assert _login(app.test_client(), "carol", PASSWORD, "192.0.2.77").status_code == 429
    assert _login(owner, "bob", PASSWORD, "198.51.100.2").status_code == 302


def test_unknown_and_known_addresses_get_the_same_refusal(tmp_path):
    app = _app(tmp_path, LOGIN_ACCOUNT_RATE_LIMIT="2 per hour")
    replies = []
    for who in ("alice", "ghost"):
        for i in range(2):
            assert _login(app.test_client(), who, WRONG, f"203.0.113.{i}").status_code == 400
        reply = _login(app.test_client(), who, WRONG, "203.0.113.99")
        replies.append((reply.status_code, reply.get_data(as_text=True).replace("ghost", "alice")))
    assert replies[0] == replies[1] and replies[0][0] == 429


def test_throttle_state_is_shown_and_an_unlock_clears_it(tmp_path):
    app = _app(tmp_path, LOGIN_ACCOUNT_RATE_LIMIT="2 per hour")
    for i in range(2):
        _login(app.test_client(), "alice", WRONG, f"203.0.113.{i}")
    throttle = app.extensions["login_throttle"]
    state = throttle.account_state("alice@example.org")
    assert state.failures == 2 and state.locked and state.retry_after > 0
    assert _login(app.test_client(), "alice", PASSWORD, "192.0.2.3").status_code == 429
    throttle.unlock("alice@example.org")
    assert not throttle.account_state("alice@example.org").locked
    assert _login(app.test_client(), "alice", PASSWORD, "192.0.2.3").status_code == 302


# -- over real HTTP, several waitress threads ---------------------------------------------------------------


@pytest.fixture()
def served(tmp_path):
    """Serve a throttled app as `flask serve` does (waitress, 4 threads) on a free local port."""
    with waitress_thread(_app(tmp_path, LOGIN_PAIR_RATE_LIMIT="5 per 15 minutes"), threads=4) as port:
        yield port


def _http_login(port: int, who: str, password: str, ip: str) -> tuple[int, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urllib.parse.urlencode({"email": f"{who}@example.org", "password": password})
    connection.request("POST", "/auth/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": ip})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, response.getheader("Retry-After")


def test_http_concurrent_failures_are_counted_exactly_across_waitress_threads(served):
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: _http_login(served, "alice", WRONG, "203.0.113.50"), range(12)))
    statuses = sorted(status for status, _ in replies)
    assert statuses == [400] * 5 + [429] * 7, statuses
    assert all(retry and int(retry) > 0 for status, retry in replies if status == 429)
    assert _http_login(served, "alice", PASSWORD, "198.51.100.50")[0] == 302  # the owner, elsewhere
    with ThreadPoolExecutor(max_workers=4) as pool:  # many successes from one address: never throttled
        successes = list(pool.map(lambda i: _http_login(served, ("bob", "carol")[i % 2], PASSWORD, "192.0.2.9"),
                                  range(16)))
    assert [status for status, _ in successes] == [302] * 16
