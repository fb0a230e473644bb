"""Quality commands: evaluate the ranking on a query set, train the curation re-ranker."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from tqdm import tqdm

from matchmaker.cli.support import ensure_ready, require_schema, search_engine
from matchmaker.errors import InvalidQuery
from matchmaker.extensions import db
from matchmaker.models import Organisation
from matchmaker.services.search.engine import RERANKER_FILE

cli = AppGroup("quality", help=__doc__)


@cli.command("evaluate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pool", type=click.Choice(["labs", "companies", "all"]), default="labs", show_default=True,
              help="Organisations ranked: RNSR structures, companies, or every organisation.")
@click.option(
    "--context",
    type=click.Choice(["none", "line", "ilab"]),
    default="none",
    show_default=True,
    help="none: rank on the text alone (measures the ranker); line: apply the searcher's region a line "
    'declares ("context": {"region": ...}); ilab: as line, and lines with an ilab_uid get the region of '
    "that i-Lab start-up.",
)
def evaluate_command(path: Path, pool: str, context: str) -> None:
    """Evaluate the default ranking on a JSON-lines file of queries (last line: JSON metrics)."""
    from matchmaker.services.search.evaluation import evaluate, pool_of, read_queries, with_startup_regions

    try:
        queries = read_queries(path)
    except InvalidQuery as exc:
        raise click.ClickException(exc.message) from exc
    ensure_ready(quiet=True)
    keys = db.session.execute(select(Organisation.key, Organisation.kind)).all()
    organisations = pool_of({key: kind for key, kind in keys}, pool)
    engine = search_engine()
    snapshot = engine.snapshot(db.session)  # matcher and facets of the same index
    matcher, facets = snapshot.matcher, snapshot.facets
    near = None
    if context != "none":
        near = facets.in_region
        if context == "ilab":
            queries = with_startup_regions(queries, lambda uid: getattr(facets.facet(f"ilab:{uid}"), "region", None))
    with tqdm(total=len(queries), desc="requêtes", file=sys.stderr) as bar:
        # the company pool is a supplier search: companies compete with each other, with the supplier weights
        result = evaluate(
            matcher, queries, organisations, on_query=bar.update, near=near, suppliers=pool == "companies"
        )
    result["pool_name"] = pool
    result["context"] = context
    result["with_region"] = sum(1 for q in queries if q.region) if near is not None else 0
    click.echo(f"{path.name}: {result['n']} requêtes, pool {pool} : {result['pool']} organisations, contexte {context}")
    click.echo(
        f"Recall@10 {result['recall_at_10']:.3f}  MRR {result['mrr']:.3f}  "
        f"nDCG@10 {result['ndcg_at_10']:.3f}  Recall@50 {result['recall_at_50']:.3f}"
    )
    click.echo(json.dumps(result))


@cli.command("train-reranker")
@click.option("--min-labels", type=int, default=None, help="Labels needed before the model is saved.")
@click.option("--no-check", is_flag=True, help="Save it even when held-out needs do not show a gain.")
def train_reranker_command(min_labels: int | None, no_check: bool) -> None:
    """Fit the curation re-ranker on staff decisions and save it to MODELS_DIR/reranker.json.

    Nothing is written until enough labels (of both kinds) exist and the re-ranker, fitted on some
    needs, orders the others better than the engine (cross-validation by need): it stays off by default.
    """
    require_schema()
    from matchmaker.ranking.reranker import MIN_LABELS, CurationReranker, held_out_mrr
    from matchmaker.services.curation import labelled_examples

    needed = min_labels if min_labels is not None else current_app.config.get("RERANKER_MIN_LABELS", MIN_LABELS)
    rows, labels, needs = labelled_examples(db.session)
    kept = sum(labels)
    click.echo(f"{len(labels)} étiquettes de curation ({kept} retenues, {len(labels) - kept} écartées).")
    reranker = CurationReranker(min_labels=needed).fit(rows, labels)
    if not reranker.active_:
        click.echo(f"Pas assez d'étiquettes (au moins {needed}, dont des deux sortes) : re-ranker non activé.")
        return
    check = held_out_mrr(rows, labels, needs)
    if check is None:
        click.echo("Moins de 5 besoins avec des organisations retenues et écartées : gain invérifiable.")
    else:
        click.echo(f"MRR sur les besoins tenus à l'écart : {check[0]:.3f} sans, {check[1]:.3f} avec le re-ranker.")
    if not no_check and (check is None or check[1] <= check[0]):
        click.echo("Re-ranker non activé (--no-check pour l'activer quand même).")
        return
    target = current_app.config["MODELS_DIR"] / RERANKER_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    reranker.save(target)
    click.echo(f"Re-ranker enregistré dans {target}.")
