"""Measured effect of a published livret de compétences: where real suppliers rank for the needs they answer,
before and after their livret is published, with the real search (e5 encoder, learned fusion, need intent).

FIXTURE LIVRETS. The six livrets below are authored for this benchmark; no organisation wrote them. Each is
written only from what the organisation's public records in the bundled directory say (EUDAMED device
records with their EMDN terms and regulation, DECP public contracts it won, its Transparence Santé sector):
nothing is invented beyond re-wording those records. The needs are authored too, each one a need the
supplier answers according to those same records; brand names are left out of the needs.

What it does, in a throw-away directory (the repository's instance/ and models/ are not touched):
1. `setup`: migrations, the whole bundled directory (11,249 organisations), the e5 index from the bundled
   vectors;
2. runs every need through the search (first 100 results) and records, for every fixture supplier, its rank
   and strength band ("—" when it is not in the first 100, "thin" when shown apart as too thin to judge);
3. publishes the six livrets (``apply_livret``, as staff approval does) and refreshes the index in place
   (timed: the incremental refresh the app runs on every publication);
4. runs the needs again; a supplier's rank for the needs of the *other* suppliers is the control (a livret
   must not pull an organisation into needs it does not answer).

Run from the repository root (about three minutes, most of it loading the catalogue and the encoder;
``MATCHMAKER_ENCODER=fake`` for a quick dry run):

    python benchmarks/livret.py --write
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="livret-bench-"))
# The configuration reads the environment when matchmaker is imported: point it at the throw-away directory first.
os.environ.update(DATABASE_URL=f"sqlite:///{WORKDIR / 'bench.sqlite3'}", MATCHMAKER_INSTANCE_DIR=str(WORKDIR),
                  MATCHMAKER_MODELS_DIR=str(WORKDIR / "models"), MATCHMAKER_LOG_LEVEL="WARNING", SECRET_KEY="benchmark")
os.environ.setdefault("MATCHMAKER_ENCODER", "e5")
ENCODER = os.environ["MATCHMAKER_ENCODER"]

from matchmaker.catalogue.livret import CertificationEntry, LivretInput  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "livret.md"
DEPTH = 100


@dataclass(frozen=True)
class Fixture:
    """A real supplier of the directory, its authored livret, where each fact comes from, and its needs."""

    key: str
    name: str
    records: str
    livret: LivretInput
    needs: tuple[str, ...]


FIXTURES = (
    Fixture(
        key="eudamed:FR-MF-000000819", name="FOURNITURES HOSPITALIERES INDUSTRIE",
        records="EUDAMED: 339 devices, all under the MDR: reusable orthopaedic prosthetics instruments (cutting "
                "guides, femoral trials, soft tissue protector), reamers and burs, taps, clinical use containers; "
                "one instrument is a PEEK screwdriver.",
        livret=LivretInput(
            activities_note="Fabrication d'instruments réutilisables pour la pose de prothèses orthopédiques : "
                            "guides de coupe, essais fémoraux, râpes et fraises, tarauds, protecteurs des tissus ; "
                            "conteneurs d'usage clinique.",
            materials=("peek",),
            certifications=(CertificationEntry("MDR"),),
            sectors=("medical_devices",),
            description_fr="Fabricant de dispositifs médicaux à Quimper : instruments réutilisables de chirurgie "
                           "orthopédique (guides de coupe, râpes, fraises, tarauds, essais fémoraux) et conteneurs "
                           "d'usage clinique, enregistrés sous le règlement MDR.",
            description_en="Medical device manufacturer in Quimper: reusable orthopaedic surgery instruments "
                           "(cutting guides, reamers, burs, taps, femoral trials) and clinical use containers, "
                           "registered under the MDR.",
        ),
        needs=(
            "Nous cherchons un fabricant français d'instruments réutilisables pour la chirurgie orthopédique : "
            "guides de coupe, râpes et fraises pour la pose de prothèses de hanche et de genou, marquage CE selon "
            "le MDR.",
            "Fabricant d'ancillaires orthopédiques réutilisables en PEEK (tournevis, impacteurs) pour un nouvel "
            "implant.",
        ),
    ),
    Fixture(
        key="eudamed:FR-MF-000007304", name="NovaSpine",
        records="EUDAMED: 224 implantable devices, all under the MDR, EMDN 'cervical fixation systems'.",
        livret=LivretInput(
            activities_note="Fabrication de systèmes de fixation cervicale implantables pour la chirurgie du rachis.",
            certifications=(CertificationEntry("MDR"),),
            sectors=("medical_devices",),
            description_fr="Fabricant à Amiens de systèmes de fixation cervicale implantables (chirurgie du rachis), "
                           "enregistrés sous le règlement MDR.",
            description_en="Manufacturer in Amiens of implantable cervical fixation systems for spine surgery, "
                           "registered under the MDR.",
        ),
        needs=(
            "Recherche d'un fabricant de systèmes de fixation cervicale implantables pour la chirurgie du rachis, "
            "conformes au règlement MDR.",
            "We are looking for a spinal implant manufacturer: cervical fixation systems, CE-marked under the MDR.",
        ),
    ),
    Fixture(
        key="eudamed:FR-MF-000001658", name="NOVATECH SA",
        records="EUDAMED: devices under the MDR: respiratory prostheses and their accessories, bronchoscopes, "
                "single-use bronchoscopic surgery instruments; DECP: talc for the pleural cavity (CHRU Caen).",
        livret=LivretInput(
            activities_note="Dispositifs de pneumologie interventionnelle : prothèses respiratoires et leurs "
                            "accessoires, bronchoscopes, instruments de chirurgie bronchoscopique à usage unique, "
                            "talc pour cavité pleurale.",
            certifications=(CertificationEntry("MDR"),),
            sectors=("medical_devices",), client_types=("hospitals",),
            description_fr="Fabricant à La Ciotat de prothèses respiratoires, de bronchoscopes et d'instruments de "
                           "chirurgie bronchoscopique à usage unique, fournisseur des hôpitaux.",
            description_en="Manufacturer in La Ciotat of respiratory prostheses, bronchoscopes and single-use "
                           "bronchoscopic surgery instruments, supplying hospitals.",
        ),
        needs=(
            "Nous cherchons un fournisseur de prothèses trachéo-bronchiques et d'instruments de bronchoscopie "
            "interventionnelle à usage unique pour notre service de pneumologie.",
            "Fournisseur de bronchoscopes rigides et d'accessoires pour la pose d'endoprothèses respiratoires.",
        ),
    ),
    Fixture(
        key="eudamed:FR-MF-000020946", name="Sedatelec",
        records="EUDAMED: acupuncture needles (several named 'TITANIUM'), acupuncture stimulators and therapeutic "
                "lasers, under the MDR or the MDD, classes IIa and IIb.",
        livret=LivretInput(
            activities_note="Aiguilles d'acupuncture stériles, dont des aiguilles en titane ; stimulateurs "
                            "d'acupuncture ; lasers thérapeutiques.",
            materials=("titanium",),
            certifications=(CertificationEntry("MDR classe IIa"), CertificationEntry("MDR classe IIb")),
            sectors=("medical_devices",),
            description_fr="Fabricant à Irigny d'aiguilles d'acupuncture (dont en titane), de stimulateurs "
                           "d'acupuncture et de lasers thérapeutiques (dispositifs de classes IIa et IIb).",
            description_en="Manufacturer in Irigny of acupuncture needles (titanium ones among them), acupuncture "
                           "stimulators and therapeutic lasers (class IIa and IIb devices).",
        ),
        needs=(
            "Nous cherchons un fabricant d'aiguilles d'acupuncture stériles à usage unique en titane pour notre "
            "centre d'étude et de traitement de la douleur.",
            "Fournisseur de lasers thérapeutiques de basse énergie et de stimulateurs pour l'acupuncture.",
        ),
    ),
    Fixture(
        key="transparence:OVCSBNDN", name="GETINGE France",
        records="DECP: maintenance of a washing cabin (Hôpital Nord-Ouest), preventive and corrective maintenance "
                "with spare parts of MAQUET/GETINGE equipment (GH La Rochelle); Transparence Santé: medical devices.",
        livret=LivretInput(
            activities=("equipment_maintenance",),
            activities_note="Maintenance préventive et corrective, avec fourniture de pièces détachées, "
                            "d'équipements hospitaliers dont les cabines de lavage.",
            sectors=("medical_devices", "healthcare"), client_types=("hospitals",),
            description_fr="Maintenance préventive et corrective d'équipements hospitaliers (cabines de lavage "
                           "notamment), pièces détachées fournies, pour des centres hospitaliers.",
            description_en="Preventive and corrective maintenance of hospital equipment (washing cabins among "
                           "them), spare parts included, for hospitals.",
        ),
        needs=(
            "Prestataire pour la maintenance préventive et corrective de notre cabine de lavage et des "
            "laveurs-désinfecteurs du service de stérilisation, pièces détachées comprises.",
            "Contrat de maintenance préventive et corrective, avec fourniture des pièces détachées, pour nos "
            "équipements de lavage et de stérilisation.",
        ),
    ),
    Fixture(
        key="transparence:IQCDHGWK", name="SYSMEX FRANCE",
        records="DECP: maintenance of XN-1000 haematology analysers (CH Niort), reagents, consumables and quality "
                "controls for an analyser, maintenance of a UF-500i analyser (Hôpital Nord-Ouest); Transparence "
                "Santé: in vitro diagnostic devices.",
        livret=LivretInput(
            activities=("ivd_reagents", "equipment_maintenance"),
            activities_note="Réactifs, consommables et contrôles qualité pour automates d'hématologie et "
                            "d'analyse urinaire ; maintenance de ces automates.",
            sectors=("ivd",), client_types=("hospitals",),
            description_fr="Automates d'hématologie et d'analyse urinaire pour les laboratoires hospitaliers : "
                           "réactifs, consommables, contrôles qualité et maintenance.",
            description_en="Haematology and urinalysis analysers for hospital laboratories: reagents, "
                           "consumables, quality controls and maintenance.",
        ),
        needs=(
            "Fourniture de réactifs et de contrôles qualité pour nos automates d'hématologie, avec la maintenance "
            "des analyseurs.",
            "Maintenance d'un automate d'analyse des urines au laboratoire de biologie médicale de l'hôpital.",
        ),
    ),
)


@dataclass(frozen=True)
class Place:
    """Where a supplier stands for one need: rank (None beyond DEPTH), band, and whether a livret is quoted."""

    rank: int | None
    band: str
    livret_quoted: bool = False

    def show(self) -> str:
        """Return the place as the table prints it."""
        if self.band == "thin":
            return "thin"
        return "—" if self.rank is None else f"{self.rank} ({self.band or '-'})"


def _places(engine, session, need: str, keys: set[str], limit: int) -> dict[str, Place]:
    from matchmaker.services.search import parse_search_request, search_organisations

    request = parse_search_request(need, limit=limit, max_chars=4000, max_results=DEPTH)
    results = search_organisations(engine, session, request)
    found = {}
    for hit in results.items:
        if hit.organisation.key in keys:
            quoted = any("/livret-" in (p.evidence_id or "") for p in hit.match.passages)
            found[hit.organisation.key] = Place(hit.rank, hit.match.strength, quoted)
    for hit in results.thin:
        found.setdefault(hit.organisation.key, Place(None, "thin"))
    return {key: found.get(key, Place(None, "")) for key in keys}


def measure(engine, session) -> dict[tuple[str, str], Place]:
    """Return the place of every fixture supplier for every need."""
    keys = {f.key for f in FIXTURES}
    places = {}
    for fixture in FIXTURES:
        for need in fixture.needs:
            for key, place in _places(engine, session, need, keys, DEPTH).items():
                places[(need, key)] = place
    return places


def publish(engine, session) -> float:
    """Publish every fixture livret as staff approval does; return the seconds of the in-place index refresh."""
    from matchmaker.services.livret import apply_livret, clean_livret
    from matchmaker.services.profiles import get_organisation, refresh_index

    for fixture in FIXTURES:
        apply_livret(get_organisation(session, fixture.key), clean_livret(fixture.livret), publisher=None)
    session.commit()
    started = time.perf_counter()
    refresh_index(engine, session)
    return time.perf_counter() - started


def _top(places: list[Place], n: int) -> int:
    return sum(1 for p in places if p.rank is not None and p.rank <= n)


def report(before: dict, after: dict, refresh_seconds: float, setup_seconds: float) -> str:
    """Return the markdown report."""
    lines = [
        "# Livret de compétences: measured effect on real suppliers",
        "",
        f"`python benchmarks/livret.py --write` ({ENCODER} encoder, whole bundled directory of 11,249 organisations, "
        "learned fusion and need intent as served). **The livrets are authored fixtures**, written only from "
        "each supplier's public records (listed below); the needs are authored too. Place = rank among the "
        f"first {DEPTH} results (strength band in brackets); — = not in the first {DEPTH}.",
        "",
        "| supplier | need | before | after | livret quoted |",
        "|---|---|---|---|---|",
    ]
    own_before, own_after = [], []
    for fixture in FIXTURES:
        for need in fixture.needs:
            b, a = before[(need, fixture.key)], after[(need, fixture.key)]
            own_before.append(b)
            own_after.append(a)
            short = need if len(need) <= 90 else need[:87] + "…"
            quoted = "yes" if a.livret_quoted else "no"
            lines.append(f"| {fixture.name} | {short} | {b.show()} | {a.show()} | {quoted} |")
    control_before, control_after = [], []
    for fixture in FIXTURES:
        for other in FIXTURES:
            if other is fixture:
                continue
            for need in other.needs:
                control_before.append(before[(need, fixture.key)])
                control_after.append(after[(need, fixture.key)])
    ranks_b = [p.rank or DEPTH + 1 for p in own_before]
    ranks_a = [p.rank or DEPTH + 1 for p in own_after]
    strong_b = sum(1 for p in own_before if p.band == "strong")
    strong_a = sum(1 for p in own_after if p.band == "strong")
    lines += [
        "",
        "| | before | after |",
        "|---|---|---|",
        f"| own needs in the top 5 (of {len(own_before)}) | {_top(own_before, 5)} | {_top(own_after, 5)} |",
        f"| own needs in the top 10 | {_top(own_before, 10)} | {_top(own_after, 10)} |",
        f"| median rank on own needs ({DEPTH + 1} = not in the first {DEPTH}) | {statistics.median(ranks_b):g} | "
        f"{statistics.median(ranks_a):g} |",
        f"| own needs in the *strong* band | {strong_b} | {strong_a} |",
        f"| own needs quoting a livret passage | — | {sum(p.livret_quoted for p in own_after)} |",
        f"| control: other suppliers' needs where it is in the top 10 (of {len(control_before)}) | "
        f"{_top(control_before, 10)} | {_top(control_after, 10)} |",
        "",
        f"Publishing the six livrets and refreshing the served index in place took {refresh_seconds:.1f} s "
        f"(no rebuild); setting up the throw-away platform took {setup_seconds:.0f} s.",
        "",
        "## Control: other suppliers' needs where a fixture supplier is in the top 10",
        "",
        "| supplier | other supplier's need | before | after |",
        "|---|---|---|---|",
    ]
    for fixture in FIXTURES:
        for other in FIXTURES:
            if other is fixture:
                continue
            for need in other.needs:
                b, a = before[(need, fixture.key)], after[(need, fixture.key)]
                if _top([b], 10) or _top([a], 10):
                    short = need if len(need) <= 70 else need[:67] + "…"
                    lines.append(f"| {fixture.name} | {short} ({other.name}) | {b.show()} | {a.show()} |")
    lines += [
        "",
        "## Where each fixture livret comes from",
        "",
    ]
    lines += [f"- **{f.name}** (`{f.key}`): {f.records}" for f in FIXTURES]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Set up a throw-away platform, measure, publish the livrets, measure again, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", nargs="?", const=str(RESULT), default=None, help="write the report (markdown)")
    args = parser.parse_args()
    from matchmaker import create_app
    from matchmaker.extensions import db

    app = create_app()
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["setup"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    setup_seconds = time.perf_counter() - started
    with app.app_context():
        engine = app.extensions["matchmaker"]
        before = measure(engine, db.session)
        refresh_seconds = publish(engine, db.session)
        after = measure(engine, db.session)
        db.session.remove()
    shutil.rmtree(WORKDIR, ignore_errors=True)
    text = report(before, after, refresh_seconds, setup_seconds)
    print(text)
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
        print(f"written to {args.write}")


if __name__ == "__main__":
    main()
