"""Importing capability profiles: good files are stored, bad rows are reported, nothing half-written."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from matchmaker.catalogue.importing import ImportFormatError, parse_profiles
from matchmaker.extensions import db
from matchmaker.models import Evidence, Organisation
from matchmaker.services.catalogue import import_profiles

GOOD_CSV = (
    "name,kind,description_fr,keywords,certifications,region,siren,contact_email\n"
    "Usinage Alpes,subcontractor,Usinage de précision de pièces en titane pour implants,"
    "usinage 5 axes;titane,iso13485;BPF,auvergne-rhone-alpes,123456789,contact@usinage.example\n"
    "Bio Ouest,service_provider,Production de lots cliniques d'anticorps,bioproduction,,Bretagne,,\n"
)


def _counts():
    return (
        db.session.scalar(select(func.count(Organisation.id))),
        db.session.scalar(select(func.count(Evidence.id))),
    )


def test_good_csv_is_stored_with_normalised_fields(app):
    with app.app_context():
        before = _counts()
        report = import_profiles(db.session, GOOD_CSV.encode(), "livret.csv")
        assert report.stored and report.created == 2 and report.rejected == 0
        org = db.session.scalar(select(Organisation).where(Organisation.key == "siren:123456789"))
        assert org.certifications == ["ISO 13485", "GMP/BPF"]
        assert org.region == "Auvergne-Rhône-Alpes"
        assert {e.kind for e in org.evidence} == {"description", "competences"}
        assert _counts() == (before[0] + 2, before[1] + 4)


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_stored(app):
    bad = GOOD_CSV + "Sans type,,Description,,,,,\nMauvais,lab,Texte,,ISO 99999,,,\nX,startup,T,,,,12,\n"
    with app.app_context():
        before = _counts()
        report = import_profiles(db.session, bad.encode(), "livret.csv")
        assert not report.stored
        assert [(e.line, e.reason.split(" ")[0]) for e in report.errors] == [
            (4, "type"),
            (5, "certification"),
            (6, "SIREN"),
        ]
        assert _counts() == before


def test_skip_invalid_stores_only_good_rows(app):
    bad = GOOD_CSV + "Sans type,,Description,,,,,\n"
    with app.app_context():
        report = import_profiles(db.session, bad.encode(), "livret.csv", skip_invalid=True)
        assert report.stored and report.created == 2 and report.rejected == 1


def test_reimport_updates_by_key_and_keeps_other_evidence(app):
    record = {"key": "example:acme", "name": "Acme", "kind": "manufacturer", "description_fr": "Capteurs"}
    with app.app_context():
        import_profiles(db.session, json.dumps([record]).encode(), "a.json")
        record["description_fr"] = "Capteurs connectés pour la télésurveillance"
        report = import_profiles(db.session, json.dumps([record]).encode(), "a.json")
        assert report.updated == 1 and report.created == 0
        org = db.session.scalar(select(Organisation).where(Organisation.key == "example:acme"))
        assert [e.text for e in org.evidence] == ["Capteurs connectés pour la télésurveillance"]


def test_duplicate_keys_and_unknown_columns_are_rejected():
    dup = "key,name,kind,description_fr\nk:1,A,lab,x\nk:1,B,lab,y\n"
    parsed = parse_profiles(dup.encode(), "f.csv")
    assert [e.line for e in parsed.errors] == [3] and "doublon" in parsed.errors[0].reason
    try:
        parse_profiles(b"name,kind,colour\nA,lab,blue\n", "f.csv")
    except ImportFormatError as exc:
        assert "colour" in str(exc)
    else:  # pragma: no cover - the assertion above must run
        raise AssertionError("unknown column accepted")


def test_wrong_encoding_and_unknown_extension_give_clear_errors():
    for data, name, expected in [
        (b"\x00\xff\xfe\x00garbage", "f.csv", "encodage"),
        (b"name,kind\n", "f.pdf", "format"),
        (b"name,kind\n", "f.xlsx", "XLSX illisible"),
        (b"[{\"name\": ", "f.json", "JSON invalide"),
    ]:
        try:
            parse_profiles(data, name)
        except ImportFormatError as exc:
            assert expected in str(exc)
        else:  # pragma: no cover
            raise AssertionError(f"{name} accepted")


def test_cp1252_csv_is_read():
    text = "name,kind,description_fr\nÉcole,lab,Génomique et protéomique\n"
    parsed = parse_profiles(text.encode("cp1252"), "f.csv")
    assert parsed.records[0][1]["name"] == "École"


def test_import_command_reports_rows_and_exit_code(app, runner, tmp_path):
    path = tmp_path / "livret.csv"
    path.write_text(GOOD_CSV + "Sans type,,Description,,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "livret.csv:4" in result.output and "rien n'a été enregistré" in result.output
    result = runner.invoke(args=["import", str(path), "--skip-invalid"])
    assert result.exit_code == 0 and "2 créée(s)" in result.output


def test_every_bundled_record_passes_the_import_validation(catalogue_records):
    from matchmaker.catalogue.importing import validate_record

    for record in catalogue_records:
        assert validate_record(record)["key"] == record["key"]
