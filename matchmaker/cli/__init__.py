"""Command-line interface: `flask --app matchmaker <command>`, one module of commands per concern.

- ``catalogue``: import profiles, rebuild the bundled open-data directory;
- ``index``: build the search index, bundle the embedding seed;
- ``quality``: evaluate the ranking, train the curation re-ranker;
- ``users``: create accounts, seed demo data;
- ``ops``: setup and serve, migrations, backup and restore, alerts and the outbox;
- ``livret``: the daily check of livret certificate expiry dates.

Each module holds one click group; the factory registers its commands under their own flat names
(``flask --app matchmaker import``, not ``... catalogue import``), the names the README documents.
"""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

from matchmaker.cli import catalogue, index, livret, ops, quality, users

GROUPS: tuple[AppGroup, ...] = (catalogue.cli, index.cli, quality.cli, users.cli, ops.cli, livret.cli)


def register(app: Flask) -> None:
    """Attach every command of every group to the application."""
    for group in GROUPS:
        for command in group.commands.values():
            app.cli.add_command(command)
