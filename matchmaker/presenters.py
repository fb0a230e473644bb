"""Template helpers shared by every area: highlighted passages, pagination and filter links."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, request, url_for
from markupsafe import Markup, escape

from matchmaker.catalogue.titles import evidence_title

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
"""Each interface language in its own words (the language switch's titles)."""


def highlight(text: str, spans: Sequence[Sequence[int]]) -> Markup:
    """Return the text, HTML-escaped, with the given character spans wrapped in <mark>."""
    pieces: list[str] = []
    cursor = 0
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if start < cursor or end <= start or end > len(text):
            continue
        pieces.append(str(escape(text[cursor:start])))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    pieces.append(str(escape(text[cursor:])))
    return Markup("".join(pieces))


def page_url(**changes: object) -> str:
    """Return the current URL with some query parameters replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    return url_for(request.endpoint or "main.index", **(request.view_args or {}), **args)


def without_filter(name: str, value: str) -> str:
    """Return the current URL with one value of a multi-valued filter removed."""
    args = request.args.to_dict(flat=False)
    args[name] = [v for v in args.get(name, []) if v != value]
    args.pop("offset", None)
    return url_for(request.endpoint or "main.index", **(request.view_args or {}), **args)


def with_filter(name: str, value: str) -> str:
    """Return the current URL with one more value of a multi-valued filter (back to the first page)."""
    args = request.args.to_dict(flat=False)
    args[name] = [*[v for v in args.get(name, []) if v != value], value]
    args.pop("offset", None)
    return url_for(request.endpoint or "main.index", **(request.view_args or {}), **args)


_LIVRET_TERM_SECTIONS = {"activities": "activities", "materials": "materials", "sectors": "sectors",
                         "client_types": "client_types"}


def livret_value(name: str, value: object) -> str:
    """Return a livret field of a revision as text: labels for vocabulary codes, certifications with details."""
    from flask_babel import get_locale

    from matchmaker.livret_vocabulary import labels

    if value in (None, "", []):
        return ""
    if name in _LIVRET_TERM_SECTIONS and isinstance(value, list):
        return ", ".join(labels(_LIVRET_TERM_SECTIONS[name], value, str(get_locale() or "fr")[:2]))
    if name == "certifications" and isinstance(value, list):
        return " ; ".join(
            item.get("label", "") + (f" ({', '.join(str(d) for d in details)})" if details else "")
            for item in value
            if isinstance(item, dict)
            for details in [[d for d in (item.get("number"), item.get("body"), item.get("expires_on")) if d]]
        )
    if isinstance(value, list):
        return " ; ".join(str(v) for v in value)
    return str(value)


def livret_term(section: str, code: str) -> str:
    """Return the label of a livret vocabulary term in the interface language."""
    from flask_babel import get_locale

    from matchmaker.livret_vocabulary import labels

    found = labels(section, [code], str(get_locale() or "fr")[:2])
    return found[0] if found else code


def register(app: Flask) -> None:
    """Expose the helpers to Jinja."""
    from flask_babel import get_locale

    app.add_template_global(get_locale, "get_locale")
    app.add_template_filter(highlight, "highlight")
    app.add_template_global(page_url, "page_url")
    app.add_template_global(without_filter, "without_filter")
    app.add_template_global(with_filter, "with_filter")
    app.add_template_filter(evidence_title, "evidence_title")
    app.add_template_global(LANGUAGE_NAMES, "LANGUAGE_NAMES")
    app.add_template_global(livret_value, "livret_value")
    app.add_template_global(livret_term, "livret_term")
