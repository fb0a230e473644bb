"""The livret: validated sections, a draft the live profile never sees, publication through staff review into
evidence documents of their own kinds, declared certifications and the incremental index."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from matchmaker.errors import Forbidden, InvalidQuery
from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Evidence, Organisation, ProfileRevision, User
from matchmaker.services.livret import (
    CertificationEntry,
    LivretInput,
    clean_livret,
    evidence_texts,
    live_livret,
    livret_from_json,
    livret_to_json,
)
from matchmaker.services.livret.matching import how_met, requirements
from matchmaker.services.livret.review import editable_livret, save_livret, working_revision
from matchmaker.services.revisions import approve_revision, pending_revisions, reject_revision
from matchmaker.vocabulary import EvidenceKind

SUPPLIER = "eudamed:FR-MF-000002928"  # PARASITE DESIGN: a real EUDAMED manufacturer known by its record only
LIVRET = LivretInput(
    activities=("machining", "cleanroom_assembly"),
    activities_note="Usinage 5 axes de pièces jusqu'à 300 mm.",
    materials=("titanium", "peek"),
    certifications=(CertificationEntry("ISO 13485", "FR-2024-118", "LNE/GMED", date.today() + timedelta(days=400)),
                    CertificationEntry("ISO 9001", expires_on=date.today() - timedelta(days=3))),
    equipment=("Centre d'usinage 5 axes", "Salle blanche ISO 7 de 120 m²"),
    batch_min=10, batch_max=5000, lead_time_weeks=4,
    sectors=("medical_devices", "aerospace"), client_types=("device_manufacturers",),
    description_fr="Sous-traitant en usinage de précision d'implants orthopédiques en titane.",
    description_en="Precision machining subcontractor for titanium orthopaedic implants.",
)


def _org() -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.key == SUPPLIER))


def _member(app, user_id, account: str = "startup") -> User:
    user = db.session.get(User, user_id(account))
    org = _org()
    user.organisation_id, org.claimed = org.id, True
    db.session.commit()
    return user


def _staff(user_id) -> User:
    return db.session.get(User, user_id("staff"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"activities": ("machining", "teleportation")}, "activities"),
        ({"materials": ("unobtainium",)}, "materials"),
        ({"batch_min": 100, "batch_max": 10}, "batch_max"),
        ({"lead_time_weeks": -1}, "lead_time_weeks"),
        ({"certifications": (CertificationEntry("ISO13845"),)}, "certifications"),
        ({"certifications": (CertificationEntry("ISO 13485"), CertificationEntry("ISO 13485"))}, "certifications"),
        ({"description_en": "x" * 5001}, "description_en"),
    ],
)
def test_bad_sections_are_refused_naming_the_section(change, field):
    values = {**livret_to_json(LIVRET)}
    data = LivretInput(**{**{k: getattr(LIVRET, k) for k in values}, **change})
    with pytest.raises(InvalidQuery) as raised:
        clean_livret(data)
    assert raised.value.field == field


def test_json_round_trip_keeps_every_section():
    assert livret_from_json(livret_to_json(LIVRET)) == LIVRET
    assert livret_from_json({}) == LivretInput() and LivretInput().empty


def test_each_section_becomes_one_bilingual_evidence_document_without_expired_certifications():
    texts = {t.kind: t for t in evidence_texts(LIVRET, date.today())}
    assert set(texts) == {EvidenceKind.LIVRET_ACTIVITIES, EvidenceKind.LIVRET_MATERIALS,
                          EvidenceKind.LIVRET_CERTIFICATIONS, EvidenceKind.LIVRET_EQUIPMENT,
                          EvidenceKind.LIVRET_CAPACITY, EvidenceKind.LIVRET_REFERENCES, EvidenceKind.LIVRET_DESCRIPTION}
    activities = texts[EvidenceKind.LIVRET_ACTIVITIES].text
    assert "Usinage (fraisage, tournage) / Machining (milling, turning)" in activities and "300 mm" in activities
    certifications = texts[EvidenceKind.LIVRET_CERTIFICATIONS].text
    assert "ISO 13485 (n° FR-2024-118, LNE/GMED" in certifications and "ISO 9001" not in certifications
    assert "séries de 10 à 5000 unités" in texts[EvidenceKind.LIVRET_CAPACITY].text


def test_a_draft_changes_nothing_live_and_stays_out_of_the_staff_queue(app, users, user_id):
    with app.app_context():
        member = _member(app, user_id)
        revision = save_livret(db.session, member, _org(), LIVRET, submit=False)
        assert revision.status == "draft" and revision.scope == "livret"
        assert _org().livret is None and not any(e.source == "livret" for e in _org().evidence)
        assert pending_revisions(db.session).total == 0
        assert editable_livret(db.session, _org()) == clean_livret(LIVRET)


def test_only_the_organisation_s_members_save_its_livret(app, users, user_id):
    with app.app_context():
        _member(app, user_id)
        outsider = db.session.get(User, user_id("startup2"))
        with pytest.raises(Forbidden):
            save_livret(db.session, outsider, _org(), LIVRET, submit=True)


def test_submitting_an_empty_or_unchanged_livret_is_refused(app, users, user_id):
    with app.app_context():
        member = _member(app, user_id)
        with pytest.raises(InvalidQuery, match="vide"):
            save_livret(db.session, member, _org(), LivretInput(), submit=True)


def test_published_livret_is_live_evidence_searchable_and_audited(app, users, user_id, login):
    engine = app.extensions["matchmaker"]
    query = "/api/search?q=usinage+5+axes+implants+titane+salle+blanche&limit=5"
    client = login("buyer")
    assert SUPPLIER not in [r["organisation"]["key"] for r in client.get(query).get_json()["results"]]
    with app.app_context():
        member = _member(app, user_id)
        save_livret(db.session, member, _org(), LIVRET, submit=False)
        revision = save_livret(db.session, member, _org(), LIVRET, submit=True)
        assert revision.status == "pending" and pending_revisions(db.session).total == 1
        approve_revision(engine, db.session, _staff(user_id), revision)
        org = _org()
        assert live_livret(org) == clean_livret(LIVRET) and org.livret.published_by_id == user_id("staff")
        assert org.certifications == ["ISO 13485"]  # the expired ISO 9001 does not count
        kinds = {e.kind for e in org.evidence if e.source == "livret"}
        assert EvidenceKind.LIVRET_ACTIVITIES in kinds and EvidenceKind.LIVRET_DESCRIPTION in kinds
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == SUPPLIER)).all()
        assert {"livret.draft", "livret.submit", "profile.revision_approve"} <= set(actions)
        assert working_revision(db.session, org) is None
    results = client.get(query).get_json()["results"]
    assert results[0]["organisation"]["key"] == SUPPLIER  # incremental refresh: no rebuild
    quoted = " ".join(p["text"] for p in results[0]["evidence"])
    assert "Usinage" in quoted or "titane" in quoted


def test_a_new_submission_replaces_nothing_live_until_approved_and_a_refusal_keeps_the_old(app, users, user_id):
    engine = app.extensions["matchmaker"]
    with app.app_context():
        member = _member(app, user_id)
        approve_revision(engine, db.session, _staff(user_id), save_livret(db.session, member, _org(), LIVRET,
                                                                              submit=True))
        changed = LivretInput(**{**{k: getattr(LIVRET, k) for k in livret_to_json(LIVRET)},
                                 "materials": ("stainless_steel",)})
        revision = save_livret(db.session, member, _org(), changed, submit=True)
        assert live_livret(_org()).materials == ("titanium", "peek")
        reject_revision(db.session, _staff(user_id), revision, "Précisez les nuances d'acier.")
        assert live_livret(_org()).materials == ("titanium", "peek")
        assert db.session.scalar(select(ProfileRevision.status).where(ProfileRevision.id == revision.id)) == "rejected"
        texts = db.session.scalars(select(Evidence.text).where(Evidence.kind == EvidenceKind.LIVRET_MATERIALS)).all()
        assert texts and "Titane" in texts[0]


def test_a_need_naming_process_material_and_certification_meets_the_livret_that_declares_them(
        app, users, user_id, login):
    engine = app.extensions["matchmaker"]
    with app.app_context():
        member = _member(app, user_id)
        approve_revision(engine, db.session, _staff(user_id),
                         save_livret(db.session, member, _org(), LIVRET, submit=True))
    query = ("/api/search?q=Nous+cherchons+un+sous-traitant+certifi%C3%A9+ISO+13485+pour+l%27usinage+de+pi%C3%A8ces"
             "+en+titane+et+en+inox&limit=5")
    found = login("buyer").get(query).get_json()
    assert found["intent"]["processes"] == ["machining"]
    assert found["intent"]["materials"] == ["titanium", "stainless_steel"]
    first = found["results"][0]
    assert first["organisation"]["key"] == SUPPLIER
    met = {(m["code"], m["declared_in_livret"]) for m in first["capabilities_met"]}
    assert met == {("machining", True), ("titanium", True), ("stainless_steel", False)}
    assert first["certifications_met"] == [{"certification": "ISO 13485", "met": True}]
    quoted = [p["evidence_id"] for p in first["evidence"]]
    assert any("/livret-" in evidence_id for evidence_id in quoted)  # the explanation quotes the livret
    page = login("buyer").get(query.replace("/api/search", "/")).get_data(as_text=True)
    assert "Usinage (fraisage, tournage) : déclaré dans le livret" in page and "Livret · " in page


def test_within_a_strength_band_a_livret_that_declares_more_of_the_need_comes_first(app, users, user_id):
    from matchmaker.ranking import Match
    from matchmaker.ranking.intent import parse_intent
    from matchmaker.services.livret.matching import prefer_declared
    from matchmaker.vocabulary import CERTIFICATION_PATTERNS

    intent = parse_intent("Usinage de pièces en titane, certifié ISO 13485", CERTIFICATION_PATTERNS)
    matches = [Match(org_id=key, score=1.0 - i / 10, strength=strength) for i, (key, strength) in enumerate(
        [("a:strong", "strong"), ("b:possible", "possible"), (SUPPLIER, "possible"), ("c:possible", "possible"),
         ("d:weak", "weak")])]
    band = {"strong": 0, "possible": 1}.get
    with app.app_context():
        assert [m.org_id for m in prefer_declared(db.session, matches, intent, lambda m: band(m.strength, 2))] == \
            [m.org_id for m in matches]  # no livret: the engine's order
        member = _member(app, user_id)
        approve_revision(app.extensions["matchmaker"], db.session, _staff(user_id),
                         save_livret(db.session, member, _org(), LIVRET, submit=True))
        reordered = [m.org_id for m in prefer_declared(db.session, matches, intent, lambda m: band(m.strength, 2))]
    assert reordered == ["a:strong", SUPPLIER, "b:possible", "c:possible", "d:weak"]  # first of its band only
    # the livret declares ISO 13485 and its processes, not sterilisation (nor does its evidence name it): a
    # certification alone does not move it up, and its list of processes without sterilisation moves it to the
    # end of its band, after the organisations that have no livret
    other = parse_intent("Stérilisation à l'oxyde d'éthylène, certifié ISO 13485", CERTIFICATION_PATTERNS)
    with app.app_context():
        assert not any(m.met for m in how_met(_org(), requirements(other)))
        moved = [m.org_id for m in prefer_declared(db.session, matches, other, lambda m: band(m.strength, 2))]
    assert moved == ["a:strong", "b:possible", "c:possible", SUPPLIER, "d:weak"]


def test_a_livret_without_the_asked_process_stays_put_when_its_evidence_names_it(app, users, user_id):
    from matchmaker.ranking import Match
    from matchmaker.ranking.intent import parse_intent
    from matchmaker.services.livret.matching import prefer_declared
    from matchmaker.vocabulary import CERTIFICATION_PATTERNS

    intent = parse_intent("Usinage de pièces en titane", CERTIFICATION_PATTERNS)
    matches = [Match(org_id=key, score=1.0 - i / 10, strength="possible")
               for i, key in enumerate(["b:possible", SUPPLIER, "c:possible"])]
    livret = LivretInput(activities=("sterilisation",), description_fr="Nous réalisons aussi de l'usinage.")
    with app.app_context():
        member = _member(app, user_id)
        approve_revision(app.extensions["matchmaker"], db.session, _staff(user_id),
                         save_livret(db.session, member, _org(), livret, submit=True))
        kept = [m.org_id for m in prefer_declared(db.session, matches, intent, lambda m: 1)]
        assert kept == [m.org_id for m in matches]  # its presentation names machining: no demotion
        approve_revision(app.extensions["matchmaker"], db.session, _staff(user_id),
                         save_livret(db.session, member, _org(), LivretInput(activities=("sterilisation",)),
                                     submit=True))
        moved = [m.org_id for m in prefer_declared(db.session, matches, intent, lambda m: 1)]
    assert moved == ["b:possible", "c:possible", SUPPLIER]
