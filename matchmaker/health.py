"""The health check: ``GET /health`` (for load balancers) and ``GET /api/health`` give the same answer."""

from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import select

from matchmaker.extensions import db


def health():
    """Report whether the database answers and the index is usable: 200 when ready, 503 when degraded."""
    db.session.execute(select(1))
    status = current_app.extensions["matchmaker"].index_status()
    ready = status == "ready"
    return jsonify({"status": "ok" if ready else "degraded", "index": status}), 200 if ready else 503
