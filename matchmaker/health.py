"""The health check: ``GET /health`` (for load balancers) and ``GET /api/health`` give the same answer."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.services.search import get_engine


def health():
    """Report whether the database answers and the index is usable: 200 when ready, 503 when degraded."""
    db.session.execute(select(1))
    status = get_engine().index_status()
    ready = status == "ready"
    return jsonify({"status": "ok" if ready else "degraded", "index": status}), 200 if ready else 503
