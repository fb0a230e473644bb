"""Login throttling: count failed logins, never successes, and slow guessing down without locking owners out.

A failure from an address on an account counts towards four limits:

- the (address, account) pair: one client guessing one password;
- the address, whatever the account: one client spraying many accounts;
- the account, whatever the address: guessing spread over many addresses;
- the whole site (the global failure budget): credential stuffing.

An attempt is refused while any of its limits is exhausted, except for a *known browser*: one the
account's owner already logged in from (a signed cookie, see ``auth/known_browsers.py``). A known
browser answers only to its own failure limit, so nobody can lock an owner out of their usual
browser by failing on purpose, from one address or a thousand. A success clears the pair (and the
known browser's count): an owner's typos do not add up.

Counters live in a `limits` storage (``memory://`` by default: thread-safe, shared by every
waitress thread of the process; ``redis://...`` for several processes). Attempts on one account are
serialised inside a process, so concurrent requests cannot slip past a limit.
"""

from __future__ import annotations

import ipaddress
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

_LOCK_STRIPES = 64
_EPOCH_TTL = 7 * 24 * 3600  # longer than any window: an unlock stays in force while old counters could live


def client_address(remote_addr: str | None) -> str:
    """Return the address a limit is keyed on: the IPv4 address, or the /64 network of an IPv6 one."""
    raw = (remote_addr or "").strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class LoginAttempt:
    """Who tries to log in: the client address, the submitted account and the known-browser id, if any."""

    address: str
    account: str
    known_browser: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused now, and in how many seconds it may be tried again."""

    limit: str
    retry_after: int


@dataclass(frozen=True)
class AccountState:
    """What the throttle holds about one account: recent failures and whether new browsers are refused."""

    failures: int
    locked: bool
    retry_after: int


@dataclass(frozen=True)
class LoginLimits:
    """The limits, each one or more rate strings such as "5 per 15 minutes;20 per day"."""

    pair: str = "5 per 15 minutes"
    address: str = "30 per hour"
    account: str = "10 per 15 minutes;50 per day"
    site: str = "300 per hour"
    known_browser: str = "5 per 15 minutes"


class LoginThrottle:
    """Failure counters for logins, with the checks, the unlock and the state an administrator sees."""

    def __init__(self, limits: LoginLimits, *, storage_uri: str = "memory://", enabled: bool = True) -> None:
        self.enabled = enabled
        self.storage: Storage = storage_from_string(storage_uri)
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._items = {
            "pair": parse_many(limits.pair),
            "address": parse_many(limits.address),
            "account": parse_many(limits.account),
            "site": parse_many(limits.site),
            "known_browser": parse_many(limits.known_browser),
        }
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    # -- keys ---------------------------------------------------------------------------------------------

    def _epoch(self, account: str) -> str:
        return str(self.storage.get(f"login-epoch/{account}"))

    def _counters(self, attempt: LoginAttempt) -> list[tuple[str, tuple[str, ...]]]:
        """Return the (limit name, identifiers) an attempt answers to."""
        epoch = self._epoch(attempt.account)
        if attempt.known_browser:
            return [("known_browser", (epoch, attempt.account, attempt.known_browser))]
        return [
            ("pair", (epoch, attempt.account, attempt.address)),
            ("address", (attempt.address,)),
            ("account", (epoch, attempt.account)),
            ("site", ("all",)),
        ]

    def _stats(self, name: str, identifiers: Sequence[str]) -> Iterator[tuple[RateLimitItem, int, int]]:
        """Yield (item, failures counted, seconds until the oldest leaves the window) for each rate of a limit."""
        now = time.time()
        for item in self._items[name]:
            stats = self._limiter.get_window_stats(item, f"login-{name}", *identifiers)
            used = item.amount - stats.remaining
            yield item, used, max(1, int(stats.reset_time - now + 0.999)) if used else 0

    # -- the login view's calls ---------------------------------------------------------------------------

    @contextmanager
    def serialised(self, account: str) -> Iterator[None]:
        """Hold the account's lock: check, password verification and count happen as one step."""
        with self._locks[zlib.crc32(account.encode("utf-8", "replace")) % _LOCK_STRIPES]:
            yield

    def check(self, attempt: LoginAttempt) -> Refusal | None:
        """Return why the attempt must be refused now, or None when it may go ahead."""
        if not self.enabled:
            return None
        refusals = [
            Refusal(limit=f"{name} {item}", retry_after=wait)
            for name, identifiers in self._counters(attempt)
            for item, used, wait in self._stats(name, identifiers)
            if used >= item.amount
        ]
        return max(refusals, key=lambda refusal: refusal.retry_after) if refusals else None

    def failed(self, attempt: LoginAttempt) -> None:
        """Count a failed attempt against every limit it answers to."""
        if not self.enabled:
            return
        for name, identifiers in self._counters(attempt):
            for item in self._items[name]:
                self._limiter.hit(item, f"login-{name}", *identifiers)

    def succeeded(self, attempt: LoginAttempt) -> None:
        """Forget the failures of this client on this account (a typo followed by the right password)."""
        if not self.enabled:
            return
        for name, identifiers in self._counters(attempt):
            if name in ("pair", "known_browser"):
                for item in self._items[name]:
                    self._limiter.clear(item, f"login-{name}", *identifiers)

    # -- administration -----------------------------------------------------------------------------------

    def account_state(self, account: str) -> AccountState:
        """Return the failures counted on an account and whether new browsers are refused, for how long."""
        stats = list(self._stats("account", (self._epoch(account), account)))
        failures = max((used for _, used, _ in stats), default=0)
        exhausted = [wait for item, used, wait in stats if used >= item.amount]
        return AccountState(failures=failures, locked=bool(exhausted), retry_after=max(exhausted, default=0))

    def site_state(self) -> AccountState:
        """Return the site-wide failure budget: failures counted and whether it is spent."""
        stats = list(self._stats("site", ("all",)))
        exhausted = [wait for item, used, wait in stats if used >= item.amount]
        return AccountState(failures=max((used for _, used, _ in stats), default=0), locked=bool(exhausted),
                            retry_after=max(exhausted, default=0))

    def unlock(self, account: str) -> None:
        """Forget every failure counted on an account (from any address or browser)."""
        self.storage.incr(f"login-epoch/{account}", _EPOCH_TTL)
