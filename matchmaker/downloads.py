"""File downloads (CSV, iCalendar, PDF, JSON exports): one way to send them.

Each says its type with one charset, is offered as an attachment under a safe file name, and is
never stored by a browser or a proxy cache: exports hold private data.
"""

from __future__ import annotations

import re

from flask import Response

_TEXT_TYPES = ("text/", "application/json")


def attachment(body: str | bytes, *, filename: str, mimetype: str) -> Response:
    """Return a download response for ``body`` (text is sent as UTF-8)."""
    content_type = f"{mimetype}; charset=utf-8" if mimetype.startswith(_TEXT_TYPES) else mimetype
    data = body.encode("utf-8") if isinstance(body, str) else body
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "export"
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
