"""The catalogue's data coming in: the bundled open-data directory and imported capability profiles.

``directory`` builds ``data/competences/organisations.jsonl.gz`` from the upstream open data, one module
per source; ``importing`` parses and validates profile files (CSV, JSON, JSON lines) into the same record
format. Framework-free: storing records is the job of ``matchmaker.services.catalogue``.
"""
