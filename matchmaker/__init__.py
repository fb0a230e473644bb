"""matchmaker: route health-tech needs to the labs, platforms and companies that can answer them."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user

from matchmaker.config import PROJECT_ROOT, Config
from matchmaker.extensions import babel, csrf, db, login_manager


def create_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
        instance_path=str(Config.INSTANCE_DIR.resolve()),
    )
    register_config(app, config)
    register_proxy(app)
    register_logging(app)
    register_extensions(app)
    register_login_throttle(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_input_guards(app)
    register_template_helpers(app)
    register_commands(app)
    register_engine(app)
    return app


def register_config(app: Flask, config: type[Config] | dict[str, Any] | None) -> None:
    """Load the configuration object, then make sure a secret key exists."""
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    if str(app.config.get("EXTERNAL_URL", "")).startswith("https://"):
        # Served at an https address: cookies must never travel in clear, whatever the proxy says.
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    instance_dir = app.config["INSTANCE_DIR"]
    instance_dir.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        key_file = instance_dir / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto/-Host from the configured number of reverse proxies, and no more.

    Behind nginx, without this every visitor would share the proxy's address: one login rate limit for all.
    Responses to HTTPS requests (as the trusted proxy reports them) get Secure cookies.
    """
    from matchmaker.serving import HttpsCookies

    app.wsgi_app = HttpsCookies(app.wsgi_app)  # type: ignore[method-assign]
    hops = app.config.get("PROXY_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def register_logging(app: Flask) -> None:
    """Log requests and events as JSON lines."""
    from matchmaker.observability import configure_logging

    configure_logging(app)


def register_extensions(app: Flask) -> None:
    """Bind the extensions to this application."""
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    babel.init_app(app, locale_selector=select_locale)
    # The tables come from the Alembic migrations only (`setup`, `serve` and `db-upgrade` apply them).
    from matchmaker import models  # noqa: F401  (register the models and the login user loader)


def register_login_throttle(app: Flask) -> None:
    """Create the failed-login counters shared by every thread of the process."""
    from matchmaker.services.throttle import LoginLimits, LoginThrottle

    config = app.config
    limits = LoginLimits(
        pair=config["LOGIN_PAIR_RATE_LIMIT"], address=config["LOGIN_RATE_LIMIT"],
        account=config["LOGIN_ACCOUNT_RATE_LIMIT"], site=config["LOGIN_GLOBAL_RATE_LIMIT"],
        known_browser=config["LOGIN_KNOWN_BROWSER_RATE_LIMIT"],
    )
    app.extensions["login_throttle"] = LoginThrottle(
        limits, storage_uri=config["RATELIMIT_STORAGE_URI"], enabled=config["RATELIMIT_ENABLED"]
    )


def select_locale() -> str:
    """Pick the interface language among LANGUAGES: explicit choice, then account, then browser, then French."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        # CLI commands and jobs run in an app context only: messages are rendered in French.
        return default
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or default


def register_blueprints(app: Flask) -> None:
    """Attach one blueprint per user area."""
    from matchmaker.admin import bp as admin_bp
    from matchmaker.api import bp as api_bp
    from matchmaker.auth import bp as auth_bp
    from matchmaker.dashboard import bp as dashboard_bp
    from matchmaker.events import bp as events_bp
    from matchmaker.introductions import bp as introductions_bp
    from matchmaker.main import bp as main_bp
    from matchmaker.members import bp as members_bp
    from matchmaker.needs import bp as needs_bp
    from matchmaker.privacy import bp as privacy_bp
    from matchmaker.shortlists import bp as shortlists_bp
    from matchmaker.staff import bp as staff_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(needs_bp, url_prefix="/besoins")
    app.register_blueprint(shortlists_bp, url_prefix="/listes")
    app.register_blueprint(introductions_bp, url_prefix="/mises-en-relation")
    app.register_blueprint(members_bp, url_prefix="/membre")
    app.register_blueprint(staff_bp, url_prefix="/equipe")
    app.register_blueprint(dashboard_bp, url_prefix="/staff/dashboard")
    app.register_blueprint(events_bp, url_prefix="/events")
    app.register_blueprint(privacy_bp, url_prefix="/mes-donnees")
    app.register_blueprint(admin_bp, url_prefix="/admin")


def register_error_handlers(app: Flask) -> None:
    """Render friendly error pages (JSON under /api) and roll back failed transactions."""
    from matchmaker.main.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    """Send security headers on every response."""

    @app.after_request
    def add_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if private_response():
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:  # cookies are made Secure by serving.HttpsCookies
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def private_response() -> bool:
    """Return True when a response may hold private data: any page of a signed-in user, the login pages."""
    if request.endpoint == "static":
        return False
    return current_user.is_authenticated or request.path.startswith("/auth/")


def register_input_guards(app: Flask) -> None:
    """Refuse invalid text (NUL, lone surrogates, bytes that are not UTF-8) in every request: 400 naming the field."""
    from matchmaker.input_text import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Expose helpers used by every template."""
    from matchmaker import labels, presenters

    labels.install(app)
    presenters.register(app)
    app.add_template_global(app.config["LANGUAGES"], "LANGUAGES")


def register_commands(app: Flask) -> None:
    """Register the CLI commands (`flask --app matchmaker --help`)."""
    from matchmaker.cli import register

    register(app)


def register_engine(app: Flask) -> None:
    """Create the per-process search engine; the encoder and index load on first use.

    Writers apply catalogue changes to the served index in place right after they commit (a large change
    falls back to a full, atomically swapped rebuild); searches never write. Changes made by other
    processes (the CLI, other workers) are applied by a background refresh started with the first request
    (every ``SEARCH_REFRESH_INTERVAL`` seconds, 0 = off).
    """
    from contextlib import contextmanager

    from matchmaker.services.search.engine import SearchEngine

    engine = SearchEngine(
        models_dir=app.config["MODELS_DIR"],
        encoder_name=app.config["ENCODER"],
        settings=app.config.get("RANKING_SETTINGS"),
        seed_dir=app.config["BUNDLED_DATA"] / "embeddings",
        check_interval=app.config["SEARCH_CHECK_INTERVAL"],
    )
    app.extensions["matchmaker"] = engine

    @contextmanager
    def refresh_session():
        with app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    @app.before_request
    def start_background_refresh() -> None:
        engine.start_background_refresh(refresh_session, app.config["SEARCH_REFRESH_INTERVAL"])
