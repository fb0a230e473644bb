"""Configuration read from environment variables, with safe defaults for the embedded mode."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _database_url(instance_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_dir / 'matchmaker.sqlite3'}"
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain URLs from hosting providers get it by default.
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    """Production-safe defaults; every value can be overridden by an environment variable."""

    INSTANCE_DIR = Path(os.environ.get("MATCHMAKER_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # filled from instance/secret_key when absent
    SQLALCHEMY_DATABASE_URI = _database_url(INSTANCE_DIR)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    BUNDLED_DATA = Path(os.environ.get("MATCHMAKER_BUNDLED_DATA", PROJECT_ROOT / "data" / "competences"))
    MODELS_DIR = Path(os.environ.get("MATCHMAKER_MODELS_DIR", PROJECT_ROOT / "models"))
    ENCODER = os.environ.get("MATCHMAKER_ENCODER", "e5")
    MAX_QUERY_CHARS = int(os.environ.get("MATCHMAKER_MAX_QUERY_CHARS", "4000"))
    # The address users reach the platform at: links in e-mails and exports are built on it, never on the Host header.
    EXTERNAL_URL = os.environ.get("MATCHMAKER_EXTERNAL_URL", "http://localhost:5000")
    MAX_RESULTS = 100
    PAGE_SIZE = 20
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "fr"
    LANGUAGES = ("fr", "en")  # the interface languages, the default first
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Secure cookies: forced on here, on by themselves when EXTERNAL_URL is https (create_app), and added to every
    # cookie of a request that arrived over HTTPS (register_security_headers).
    SESSION_COOKIE_SECURE = os.environ.get("MATCHMAKER_SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None
    RATELIMIT_ENABLED = True
    # Reverse proxies in front of the app (nginx: 1): client IP and scheme are then read from X-Forwarded-*.
    PROXY_HOPS = int(os.environ.get("MATCHMAKER_PROXY_HOPS", "0"))
    # Login throttling counts failed logins only (README, "Security and reliability"): per address and account,
    # per address, per account and site-wide; a browser the owner logged in from answers to its own limit only.
    LOGIN_PAIR_RATE_LIMIT = os.environ.get("MATCHMAKER_LOGIN_PAIR_RATE_LIMIT", "5 per 15 minutes")
    LOGIN_RATE_LIMIT = os.environ.get("MATCHMAKER_LOGIN_RATE_LIMIT", "30 per hour")
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("MATCHMAKER_LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes;50 per day")
    LOGIN_GLOBAL_RATE_LIMIT = os.environ.get("MATCHMAKER_LOGIN_GLOBAL_RATE_LIMIT", "300 per hour")
    LOGIN_KNOWN_BROWSER_RATE_LIMIT = os.environ.get("MATCHMAKER_LOGIN_KNOWN_BROWSER_RATE_LIMIT", "5 per 15 minutes")
    # Where the counters live: memory:// is shared by the threads of one process; redis://host:6379 for several.
    RATELIMIT_STORAGE_URI = os.environ.get("MATCHMAKER_RATELIMIT_STORAGE_URI", "memory://")
    # Workflows: e-mails go to the outbox table and the log; SMTP delivery only when MAIL_SERVER is set.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "matchmaker@localhost")
    RERANKER_MIN_LABELS = int(os.environ.get("MATCHMAKER_RERANKER_MIN_LABELS", "30"))
    TESTING = False
    # seconds between two reads of the catalogue fingerprint by searches, and between background refreshes
    SEARCH_CHECK_INTERVAL = float(os.environ.get("MATCHMAKER_SEARCH_CHECK_INTERVAL", "2"))
    SEARCH_REFRESH_INTERVAL = float(os.environ.get("MATCHMAKER_SEARCH_REFRESH_INTERVAL", "2"))
    LOG_LEVEL = os.environ.get("MATCHMAKER_LOG_LEVEL", "INFO")
    LOG_REQUESTS = True


class TestConfig(Config):
    """Fast, isolated settings for the test suite: in-memory data, fake encoder, no CSRF."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    ENCODER = "fake"
    AUTO_SETUP = False
    SEARCH_CHECK_INTERVAL = 0.0
    SEARCH_REFRESH_INTERVAL = 0.0
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    LOG_REQUESTS = False
