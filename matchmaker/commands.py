"""Workflow commands: train the curation re-ranker, check saved-search alerts, deliver the outbox."""

from __future__ import annotations

import click
from flask import Flask, current_app

from matchmaker.extensions import db
from matchmaker.services.engine import RERANKER_FILE


def register(app: Flask) -> None:
    """Attach the workflow commands to the application."""

    @app.cli.command("train-reranker")
    @click.option("--min-labels", type=int, default=None, help="Labels needed before the model is saved.")
    @click.option("--no-check", is_flag=True, help="Save it even when held-out needs do not show a gain.")
    def train_reranker_command(min_labels: int | None, no_check: bool) -> None:
        """Fit the curation re-ranker on staff decisions and save it to MODELS_DIR/reranker.json.

        Nothing is written until enough labels (of both kinds) exist and the re-ranker, fitted on some
        needs, orders the others better than the engine (cross-validation by need): it stays off by default.
        """
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

    @app.cli.command("send-alerts")
    def send_alerts_command() -> None:
        """Queue alerts for saved searches with new matching profiles or needs (run it from cron)."""
        from matchmaker.services.alerts import check_saved_searches

        count = check_saved_searches(
            current_app.extensions["matchmaker"], db.session,
            max_chars=current_app.config["MAX_QUERY_CHARS"], max_results=current_app.config["MAX_RESULTS"],
        )
        click.echo(f"{count} alerte(s) mise(s) en file.")

    @app.cli.command("seed-demo")
    @click.option("--password", required=True, help="Password of the demo accounts (10 characters or more).")
    def seed_demo_command(password: str) -> None:
        """Create demo accounts and workflow data (for screenshots and demos; never on production data)."""
        from matchmaker.services.demo import DEMO_ACCOUNTS, seed_demo

        created = seed_demo(
            current_app.extensions["matchmaker"], db.session, password,
            max_chars=current_app.config["MAX_QUERY_CHARS"], max_results=current_app.config["MAX_RESULTS"],
        )
        if not created:
            click.echo("Données de démonstration déjà présentes.")
            return
        click.echo("Comptes de démonstration : " + ", ".join(DEMO_ACCOUNTS))

    @app.cli.command("deliver-outbox")
    def deliver_outbox_command() -> None:
        """Send pending messages by SMTP when MAIL_SERVER is set; otherwise mark them as logged."""
        from matchmaker.services.alerts import deliver_outbox

        done, failed = deliver_outbox(db.session, current_app.config)
        click.echo(f"{done} message(s) traité(s), {failed} en échec.")
        if failed:
            raise SystemExit(1)
