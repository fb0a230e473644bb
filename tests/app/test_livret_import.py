"""The cluster bulk import: the template (CSV and XLSX), livret columns read per row with clear reasons, a
200-row XLSX stored whole or not at all (or its good rows only, on request), claimed profiles left to members."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import func, select

from matchmaker.catalogue.importing import parse_profiles
from matchmaker.catalogue.livret_rows import TEMPLATE_COLUMNS, template_csv, template_xlsx
from matchmaker.config import PROJECT_ROOT
from matchmaker.extensions import db
from matchmaker.livret_vocabulary import VOCABULARIES
from matchmaker.models import Evidence, ImportRun, Livret, Organisation
from matchmaker.services.catalogue import import_profiles
from matchmaker.vocabulary import EvidenceKind
from tests.support.livret import BAD_LINES, member_list_xlsx

HEADER = ",".join(TEMPLATE_COLUMNS)
FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "cluster_members_200.xlsx"
"""A cluster's 200-row member list as staff would upload it (written by tests.support.livret.member_list_xlsx)."""


def _row(**cells: str) -> str:
    return ",".join(f'"{cells.get(column, "")}"' for column in TEMPLATE_COLUMNS)


def _csv(*rows: str) -> bytes:
    return "\n".join((HEADER, *rows, "")).encode()


def test_the_templates_parse_without_errors_and_list_the_vocabulary():
    for data, name in ((template_csv(), "modele.csv"), (template_xlsx(), "modele.xlsx")):
        parsed = parse_profiles(data, name)
        assert parsed.errors == [] and len(parsed.records) == 1
        record = parsed.records[0][1]
        assert record["livret"]["activities"] == ["machining", "cleanroom_assembly", "cleaning_decontamination"]
        assert record["livret"]["certifications"][0] == {"label": "ISO 13485", "number": "FR-0000-EXEMPLE",
                                                         "body": "Organisme notifié", "expires_on": "2027-06-30"}
        assert record["invite"]["email"] == "camille@usinage-precision-rhone.example"
    book = load_workbook(io.BytesIO(template_xlsx()), read_only=True)
    try:
        assert book.sheetnames == ["livret", "notice", "vocabulaire"]
        codes = {row[2] for row in book["vocabulaire"].iter_rows(min_row=2, values_only=True)}
    finally:
        book.close()
    assert codes == {t.code for terms in VOCABULARIES.values() for t in terms}


def test_the_bundled_example_follows_the_template():
    data = (PROJECT_ROOT / "data" / "competences" / "example_livret.csv").read_bytes()
    assert data.decode().splitlines()[0] == HEADER
    parsed = parse_profiles(data, "example_livret.csv")
    assert parsed.errors == [] and all(record["livret"] for _, record in parsed.records)


def test_each_bad_cell_is_reported_with_its_line_and_column():
    good = {"name": "Atelier", "kind": "subcontractor", "activities": "usinage"}
    data = _csv(
        _row(**good),
        _row(**{**good, "certification_1": "ISO13845"}),
        _row(**{**good, "materials": "unobtainium"}),
        _row(**{**good, "batch_min": "20", "batch_max": "10"}),
        _row(**{**good, "certification_2_number": "X-1"}),
        _row(**{**good, "member_name": "Camille"}),
        _row(**{**good, "sectors": "spatial; médical?"}),
        _row(**{**good, "lead_time_weeks": "3 semaines"}),
    )
    parsed = parse_profiles(data, "cluster.csv")
    reasons = {error.line: error.reason for error in parsed.errors}
    assert reasons[3].startswith("certification inconnue 'ISO13845'")
    assert reasons[4].startswith("matériau inconnu 'unobtainium'")
    assert reasons[5].startswith("rubrique 'batch_max'")
    assert "certification_2" in reasons[6] and "member_email" in reasons[7]
    assert reasons[8].startswith("secteur inconnu 'médical?'")
    assert reasons[9].startswith("nombre entier attendu dans 'lead_time_weeks'")
    assert [line for line, _ in parsed.records] == [2]


def test_the_fixture_member_list_is_the_documented_one():
    from_file, built = parse_profiles(FIXTURE.read_bytes(), "f.xlsx"), parse_profiles(member_list_xlsx(200), "b.xlsx")
    assert len(from_file.records) == 196 and sorted(e.line for e in from_file.errors) == sorted(BAD_LINES)
    assert from_file.records == built.records
    assert [(e.line, e.reason) for e in from_file.errors] == [(e.line, e.reason) for e in built.errors]


def test_a_200_row_xlsx_is_stored_whole_or_not_at_all(app):
    data = FIXTURE.read_bytes()
    with app.app_context():
        before = db.session.scalar(select(func.count(Organisation.id)))
        report = import_profiles(db.session, data, "cluster.xlsx")
        assert not report.stored and db.session.scalar(select(func.count(Organisation.id))) == before
        assert [(e.line, e.reason[:len(BAD_LINES[e.line][2])]) for e in report.errors] == [
            (line, reason) for line, (_, _, reason) in sorted(BAD_LINES.items())]
        assert report.errors[0].name == "Atelier 13 (fictif)"  # sheet line 14 is workshop 13

        report = import_profiles(db.session, data, "cluster.xlsx", skip_invalid=True)
        assert report.stored and report.created == 196 and report.rejected == 4
        assert db.session.scalar(select(func.count(Livret.id))) == 196
        org = db.session.scalar(select(Organisation).where(Organisation.key == "cluster:atelier-001"))
        assert org.livret.activities == ["injection_moulding", "biocompatibility_testing"]
        assert org.livret.certifications[0].number == "CERT-0001" and org.certifications == ["ISO 13485"]
        kinds = set(db.session.scalars(select(Evidence.kind).where(Evidence.organisation_id == org.id)))
        assert {EvidenceKind.LIVRET_ACTIVITIES, EvidenceKind.LIVRET_CERTIFICATIONS, EvidenceKind.LIVRET_CAPACITY,
                EvidenceKind.LIVRET_DESCRIPTION} <= kinds and EvidenceKind.DESCRIPTION not in kinds
        run = db.session.scalar(select(ImportRun).where(ImportRun.filename == "cluster.xlsx"))
        assert run.created == 196 and [row["line"] for row in run.report] == sorted(BAD_LINES)


def test_a_json_record_may_carry_a_livret_object(app):
    record = {"name": "Stérilis Ouest", "kind": "service_provider",
              "livret": {"activities": ["sterilisation", "Process validation"],
                         "certifications": [{"label": "iso 13485", "number": "N-1", "expires_on": "2030-01-31"},
                                            "ISO 9001"]}}
    with app.app_context():
        report = import_profiles(db.session, json.dumps([record]).encode(), "cluster.json")
        assert report.stored, [e.reason for e in report.errors]
        org = db.session.scalar(select(Organisation).where(Organisation.key == "import:sterilis-ouest"))
        assert org.livret.activities == ["sterilisation", "process_validation"]
        assert org.certifications == ["ISO 13485", "ISO 9001"]


def test_a_claimed_profile_keeps_the_livret_its_members_maintain(app):
    with app.app_context():
        import_profiles(db.session, _csv(_row(key="k:claimed", name="Atelier", kind="subcontractor",
                                              activities="usinage")), "a.csv")
        db.session.scalar(select(Organisation).where(Organisation.key == "k:claimed")).claimed = True
        db.session.commit()
        report = import_profiles(db.session, _csv(_row(key="k:claimed", name="Atelier", kind="subcontractor",
                                                       activities="extrusion")), "b.csv")
        assert not report.stored and "revendiquée" in report.errors[0].reason
        assert db.session.scalar(select(Livret.activities).join(Organisation)
                                 .where(Organisation.key == "k:claimed")) == ["machining"]


def _staff_client(app):
    from argon2 import PasswordHasher

    from matchmaker.models import User

    with app.app_context():
        staff = User(email="pole@example.org", role="staff", password_hash=PasswordHasher().hash("x" * 12))
        db.session.add(staff)
        db.session.commit()
        session_id = staff.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id, True
    return client


def _upload(client, data: bytes, name: str, **fields):
    app = client.application
    app.config["WTF_CSRF_ENABLED"] = False
    return client.post("/equipe/import", data={"file": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data")


def test_staff_import_a_200_row_member_list_and_invite_its_contacts(app):
    from matchmaker.models import OutboxMessage, User

    client = _staff_client(app)
    page = client.get("/equipe/import").get_data(as_text=True)
    assert "Modèle XLSX" in page
    template = client.get("/equipe/import/modele.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"  # a zip: an XLSX workbook
    assert "attachment" in template.headers["Content-Disposition"]

    refused = _upload(client, FIXTURE.read_bytes(), "cluster.xlsx", invite="y")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "rien n'a été enregistré" in body
    assert "ligne 14 (Atelier 13 (fictif)) : certification inconnue &#39;ISO13845&#39;" in body
    with app.app_context():
        assert db.session.scalar(select(func.count(Livret.id))) == 0
        assert db.session.scalar(select(func.count(User.id)).where(User.role == "member")) == 0

    stored = _upload(client, FIXTURE.read_bytes(), "cluster.xlsx", invite="y", skip_invalid="y")
    assert stored.status_code == 200
    assert "196 organisation(s) créée(s), 0 mise(s) à jour, 4 ligne(s) refusée(s), 196 invitation(s)" in \
        stored.get_data(as_text=True)
    with app.app_context():
        member = db.session.scalar(select(User).where(User.email == "contact1@atelier-001.example"))
        assert member.role == "member" and member.organisation_role == "owner" and not member.has_password
        assert member.organisation.key == "cluster:atelier-001"
        invitation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == member.email))
        assert "/auth/mot-de-passe/" in invitation.body and "Atelier 1 (fictif)" in invitation.subject
    found = client.get("/api/search?q=stérilisation+de+pièces+en+silicone&limit=50").get_json()["results"]
    assert any(r["organisation"]["key"].startswith("cluster:") for r in found)  # searchable at once

    again = _upload(client, member_list_xlsx(3, bad=False), "cluster.xlsx", invite="y")
    body = again.get_data(as_text=True)
    assert "fiche revendiquée" in body  # the invited members now keep their livrets
    assert _upload(client, b"not a workbook", "cluster.xlsx").status_code == 400
