"""ANR-funded projects (2010-2022) as one evidence document per lab."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from matchmaker.catalogue.records import Record, evidence_item, read_csv, split_list
from matchmaker.catalogue.titles import anr_projects_title
from matchmaker.vocabulary import EvidenceKind

Counts = dict[str, dict[str, int]]


def _projects_per_lab(partners_file: Path) -> tuple[dict[str, set[str]], Counts, Counts]:
    """Return the project codes, committee counts and abstract stem counts of each lab.

    Projects shared with an i-Lab company are left out: they would tell the evaluation's answer.
    """
    committees: Counts = defaultdict(lambda: defaultdict(int))
    stems: Counts = defaultdict(lambda: defaultdict(int))
    codes: dict[str, set[str]] = defaultdict(set)
    for row in read_csv(partners_file):
        rnsr_id = row["Projet.Partenaire.Code_RNSR"].strip()
        if not rnsr_id or row["project_has_ilab_company_partner"] == "1":
            continue
        codes[rnsr_id].add(row["anr_code"])
        label = row["ces_label"].strip()
        if label:
            committees[rnsr_id][label] += 1
        for stem in row["abstract_en_stems"].split():
            stems[rnsr_id][stem] += 1
    return codes, committees, stems


def anr_evidence(anr_dir: Path) -> dict[str, Record]:
    """Build one ANR evidence document per lab, leaving out projects shared with an i-Lab company."""
    codes, committees, stems = _projects_per_lab(anr_dir / "anr_dos_2010_2022_partenaires_rnsr.csv.gz")
    safe_acronyms = {
        row["rnsr_id"]: split_list(row["acronyms_ilab_safe"])
        for row in read_csv(anr_dir / "anr_dos_lab_profiles_by_rnsr.csv.gz")
    }
    evidence: dict[str, Record] = {}
    for rnsr_id, project_codes in codes.items():
        ranked_committees = sorted(committees[rnsr_id].items(), key=lambda kv: (-kv[1], kv[0]))
        ranked_stems = sorted(stems[rnsr_id].items(), key=lambda kv: (-kv[1], kv[0]))[:80]
        parts = []
        if ranked_committees:
            parts.append("Comités ANR : " + "; ".join(label for label, _ in ranked_committees))
        if ranked_stems:
            parts.append("Thèmes : " + " ".join(stem for stem, _ in ranked_stems))
        if not parts:
            continue
        # Project acronyms (DREAM, VISTA, Iso-Galois...) say little and match needs by accident: shown, not indexed.
        evidence[rnsr_id] = evidence_item(
            f"rnsr:{rnsr_id}/anr", EvidenceKind.FUNDED_PROJECTS,
            anr_projects_title(len(project_codes), 2010, 2022), ". ".join(parts),
            lang="fr", source="anr", acronyms=safe_acronyms.get(rnsr_id, [])[:40],
        )
    return evidence


def attach_anr_evidence(labs: dict[str, Record], anr_dir: Path) -> None:
    """Add its ANR evidence, project count and (shown, not indexed) project acronyms to every lab."""
    for rnsr_id, evidence in anr_evidence(anr_dir).items():
        if rnsr_id in labs:
            acronyms = evidence.pop("acronyms")
            labs[rnsr_id]["evidence"].append(evidence)
            labs[rnsr_id]["attributes"]["anr_projects"] = int(evidence["title"].split()[0])
            if acronyms:
                labs[rnsr_id]["attributes"]["anr_acronyms"] = acronyms
