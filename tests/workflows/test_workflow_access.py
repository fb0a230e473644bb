"""Every workflow route and API endpoint × role: anonymous users go to login, wrong roles get 403.

The table below must list every endpoint of the workflow blueprints: a new route without an entry fails.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from matchmaker.config import PROJECT_ROOT, TestConfig
from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services.catalogue import store_records
from tests.support.apps import create_test_app

ALL = ("buyer", "member", "staff", "admin")
MEMBERS = ("buyer", "member")
STAFF = ("staff", "admin")

ALLOWED_BY_BLUEPRINT = {
    "needs": ("buyer",),
    "shortlists": MEMBERS,
    "members": ("member",),
    "staff": STAFF,
    "introductions": ALL,
    "dashboard": STAFF,
}
ALLOWED_BY_ENDPOINT = {
    "introductions.new": MEMBERS,
    "api.needs_index": ("buyer", *STAFF),
    "api.needs_create": ("buyer",),
    "api.needs_detail": ("buyer", *STAFF),
    "api.needs_submit": ("buyer",),
    "api.needs_matches": ("buyer", *STAFF),
    "api.suggestions_index": STAFF,
    "api.suggestions_decide": STAFF,
    "api.decisions_index": STAFF,
    "api.shortlists_index": MEMBERS,
    "api.shortlists_create": MEMBERS,
    "api.shortlists_detail": MEMBERS,
    "api.shortlists_add": MEMBERS,
    "api.introductions_index": ALL,
    "api.introductions_create": MEMBERS,
    "api.introductions_detail": ALL,
    "api.dashboard_index": STAFF,
    "api.dashboard_chart": STAFF,
}
PUBLIC_API = {"api.search", "api.organisation", "api.health", "api.static"}
DUMMY_ARGS = {"public_id": "abcdefghijkl", "key": "rnsr:000000000X", "suggestion_id": 1, "entry_id": 1,
              "chart": "needs-funnel", "fmt": "csv"}


def workflow_routes() -> list[tuple[str, str, str]]:
    """Return (endpoint, method, url) for every route of the workflow blueprints and workflow API."""
    app = create_test_app(TestConfig)
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            area = rule.endpoint.split(".")[0]
            if area not in ALLOWED_BY_BLUEPRINT and not (area == "api" and rule.endpoint not in PUBLIC_API):
                continue
            url = rule.build({name: DUMMY_ARGS[name] for name in rule.arguments})[1]
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, url))
    return routes


ROUTES = workflow_routes()


def allowed_roles(endpoint: str) -> tuple[str, ...]:
    """Return the roles that may reach an endpoint according to the table."""
    if endpoint in ALLOWED_BY_ENDPOINT:
        return ALLOWED_BY_ENDPOINT[endpoint]
    return ALLOWED_BY_BLUEPRINT[endpoint.split(".")[0]]


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory, catalogue_records, password_hash):
    """One application for the whole table: these requests only read, or fail validation."""
    root = tmp_path_factory.mktemp("access")

    class Config(TestConfig):
        INSTANCE_DIR = root / "instance"
        MODELS_DIR = root / "models"
        BUNDLED_DATA = PROJECT_ROOT / "data" / "competences"

    application = create_test_app(Config)
    with application.app_context():
        store_records(db.session, catalogue_records)
        for role in ALL:
            db.session.add(User(email=f"{role}@example.org", role=role, password_hash=password_hash))
        db.session.commit()
        application.extensions["matchmaker"].build(db.session)
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()


@pytest.fixture()
def login(shared_app):
    """Return a fresh client logged in as a role (None: anonymous)."""

    def as_(role: str | None):
        client = shared_app.test_client()
        if role is not None:
            with shared_app.app_context():
                user = db.session.scalar(select(User).where(User.email == f"{role}@example.org"))
                session_id = user.get_id()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = session_id, True
        return client

    return as_


def test_every_workflow_route_has_an_entry():
    api = {endpoint for endpoint, _, _ in ROUTES if endpoint.startswith("api.")}
    assert api == set(k for k in ALLOWED_BY_ENDPOINT if k.startswith("api.")), "update ALLOWED_BY_ENDPOINT"
    assert len(ROUTES) > 50


@pytest.mark.parametrize(("endpoint", "method", "url"), ROUTES, ids=[f"{m} {u}" for _, m, u in ROUTES])
def test_route_enforces_login_and_roles(endpoint, method, url, login):
    client = login(None)
    response = client.open(url, method=method, json={} if url.startswith("/api/") else None)
    if url.startswith("/api/"):
        assert response.status_code == 401
        assert response.is_json
    else:
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]
    for role in ALL:
        client = login(role)
        response = client.open(url, method=method, json={} if url.startswith("/api/") else None)
        if role in allowed_roles(endpoint):
            assert response.status_code != 403, (role, response.status_code)
            assert response.status_code < 500, (role, response.get_data(as_text=True)[:500])
        else:
            assert response.status_code == 403, (role, response.status_code)


def test_forms_carry_a_csrf_token_and_posts_without_it_are_refused(shared_app, login):
    import re

    shared_app.config["WTF_CSRF_ENABLED"] = True
    try:
        buyer = login("buyer")
        page = buyer.get("/besoins/nouveau").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token is not None
        data = {"title": "Titre du besoin", "description": "Une description.", "confidentiality": "public"}
        assert buyer.post("/besoins/nouveau", data=data).status_code == 400
        assert buyer.post("/besoins/nouveau", data={**data, "csrf_token": token.group(1)}).status_code == 302
        for url in ("/listes/", "/membre/recherches"):
            client = login("member")
            html = client.get(url).get_data(as_text=True)
            forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", html, flags=re.S)
            assert forms and all("csrf_token" in form for form in forms), url
        assert login("member").post("/listes/nouvelle", data={"name": "x"}).status_code == 400
    finally:
        shared_app.config["WTF_CSRF_ENABLED"] = False
