"""Public procurement (DECP): hospital buyers with their purchases, suppliers with the contracts they won."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from matchmaker.catalogue.records import Record, evidence_item, key_slug, normalise_company_name, organisation_record
from matchmaker.geo import region_for_postcode
from matchmaker.vocabulary import EvidenceKind, OrganisationKind

Contract = dict[str, Any]


def read_contracts(procurement_dir: Path) -> list[Contract]:
    """Return the awarded health contracts of the DECP extract."""
    with gzip.open(procurement_dir / "decp_2019_health_contracts.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _buyer_record(buyer_id: str, buyer_name: str, place: str) -> Record:
    return organisation_record(
        key=f"decp-buyer:{buyer_id}",
        kind=OrganisationKind.BUYER,
        name=buyer_name,
        source="decp",
        postcode=place if place.isdigit() else None,
        region=region_for_postcode(place),
        siren=buyer_id[:9] if buyer_id[:9].isdigit() else None,
        attributes={"siret": buyer_id if buyer_id.isdigit() else None},
    )


def _winner_record(name: str, siren: str | None, norm: str, cpv: str) -> Record:
    # CPV division 85: health and social services; any other contract is sub-contracted supply or work.
    kind = OrganisationKind.SERVICE_PROVIDER if cpv.startswith("85") else OrganisationKind.SUBCONTRACTOR
    return organisation_record(key=f"decp:{siren or key_slug(norm)}", kind=kind, name=name, source="decp", siren=siren)


class _Procurement:
    """The buyers and the winners not already known as suppliers, built contract by contract."""

    def __init__(self, suppliers: dict[str, Record]) -> None:
        self.suppliers = suppliers
        self.buyers: dict[str, Record] = {}
        self.winners: dict[str, Record] = {}

    def add(self, contract: Contract) -> None:
        """Record a contract as a purchase of its buyer and as a contract won by each holder."""
        objet = " ".join((contract.get("objet") or "").split())
        if not objet:
            return
        buyer_id = contract.get("acheteur_id") or key_slug(contract.get("acheteur_nom") or "")
        if not buyer_id:
            return
        buyer_name = (contract.get("acheteur_nom") or f"Acheteur public {buyer_id}").strip()
        cpv = contract.get("codeCPV") or ""
        place = (contract.get("lieuExecution") or {}).get("code") or ""
        buyer = self.buyers.setdefault(buyer_id, _buyer_record(buyer_id, buyer_name, place))
        buyer["evidence"].append(
            evidence_item(
                f"{buyer['key']}/{len(buyer['evidence'])}", EvidenceKind.PURCHASE,
                f"Achat public notifié le {contract.get('dateNotification') or '?'}", f"Achat : {objet} (CPV {cpv})",
                lang="fr", source="decp", source_ref=f"decp:{contract['uid']}",
            )
        )
        for holder in contract.get("titulaires") or []:
            self._add_winner(holder, contract, buyer_name, objet, cpv)

    def _add_winner(self, holder: dict[str, Any], contract: Contract, buyer_name: str, objet: str, cpv: str) -> None:
        name = (holder.get("denomination") or "").strip()
        if not name:
            return
        siret = (holder.get("id") or "").strip()
        siren = siret[:9] if holder.get("type") == "SIRET" and siret[:9].isdigit() else None
        norm = normalise_company_name(name)
        record = self.suppliers.get(norm) or self.winners.get(siren or norm)
        if record is None:
            record = self.winners[siren or norm] = _winner_record(name, siren, norm, cpv)
        record["siren"] = record["siren"] or siren
        record["evidence"].append(
            evidence_item(
                f"{record['key']}/contract-{len(record['evidence'])}", EvidenceKind.CONTRACT_WON,
                f"Marché public remporté ({buyer_name})", f"Marché remporté auprès de {buyer_name} : {objet}",
                lang="fr", source="decp", source_ref=f"decp:{contract['uid']}",
            )
        )


def procurement_records(procurement_dir: Path, suppliers: dict[str, Record]) -> list[Record]:
    """Add awarded contracts as evidence of suppliers and return the new winners and the hospital buyers."""
    procurement = _Procurement(suppliers)
    for contract in read_contracts(procurement_dir):
        procurement.add(contract)
    return [*procurement.winners.values(), *procurement.buyers.values()]
