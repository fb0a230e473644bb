"""One check of every request's text before a view reads it: invalid text is a 400 naming the field.

Invalid text is what no field needs and what the database or the encoder cannot store: a NUL
character, a lone UTF-16 surrogate (``"\\ud800"`` in a JSON body: valid JSON, but no UTF-8 encoding
exists for it) and bytes that are not UTF-8 (in a query string or a form; werkzeug would keep them
percent-encoded or replace them with U+FFFD, silently changing what the user sent). The check runs
in ``before_request`` on the query string, url-encoded and multipart forms and JSON bodies, so no
endpoint or form can forget it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from flask_babel import lazy_gettext as _l

from matchmaker.errors import InvalidQuery

NUL = "nul"
SURROGATE = "surrogate"
UNDECODABLE = "undecodable"
_REPLACEMENT = "\ufffd"


class InvalidText(InvalidQuery):
    """A field holds text that cannot be stored: NUL, a lone surrogate or bytes that are not UTF-8."""

    title = _l("Texte invalide")


def text_problem(text: str) -> str | None:
    """Return NUL or SURROGATE when the text holds such a character, else None."""
    if "\x00" in text:
        return NUL
    if any("\ud800" <= character <= "\udfff" for character in text):
        return SURROGATE
    return None


def printable_name(name: str) -> str:
    """Return a field name safe to show back (invalid characters escaped), cut at 80 characters."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")[:80]


def json_problems(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield (field path, problem) for every invalid string of a JSON document, keys included."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                yield where or "body", problem
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                child_path = f"{where}.{key}" if where else str(key)
                problem = text_problem(str(key))
                if problem:
                    yield child_path, problem
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", child) for index, child in reversed(list(enumerate(item))))


def urlencoded_problems(raw: bytes) -> Iterator[tuple[str, str]]:
    """Yield (field, problem) for each pair of a query string or url-encoded body that is not valid text."""
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name_raw, _, value_raw = pair.partition(b"=")
        name_bytes = unquote_to_bytes(name_raw.replace(b"+", b" "))
        value_bytes = unquote_to_bytes(value_raw.replace(b"+", b" "))
        name = name_bytes.decode("utf-8", "replace")
        try:
            decoded = (name_bytes.decode("utf-8"), value_bytes.decode("utf-8"))
        except UnicodeDecodeError:
            yield name, UNDECODABLE
            continue
        problem = text_problem(decoded[0]) or text_problem(decoded[1])
        if problem:
            yield name, problem


def multipart_problems(fields: Iterator[tuple[str, str]], raw_has_replacement: bool) -> Iterator[tuple[str, str]]:
    """Yield (field, problem) for multipart text fields: NUL, or bytes werkzeug had to replace with U+FFFD."""
    for name, value in fields:
        problem = text_problem(name) or text_problem(value)
        if problem is None and _REPLACEMENT in value and not raw_has_replacement:
            problem = UNDECODABLE
        if problem:
            yield name, problem


def _message(field: str, problem: str) -> InvalidText:
    name = printable_name(field)
    if problem == NUL:
        message = _l("Le champ « %(field)s » contient des caractères nuls (\\x00), qui ne sont pas acceptés.",
                     field=name)
    elif problem == SURROGATE:
        message = _l("Le champ « %(field)s » contient un caractère invalide (moitié de paire UTF-16 isolée).",
                     field=name)
    else:
        message = _l("Le champ « %(field)s » n'est pas du texte UTF-8 valide.", field=name)
    return InvalidText(message, field=name)


def first_problem() -> tuple[str, str] | None:
    """Return (field, problem) for the first invalid text of the current request, or None."""
    found = next(urlencoded_problems(request.query_string), None)
    if found:
        return found
    if request.mimetype == "application/x-www-form-urlencoded":
        return next(urlencoded_problems(request.get_data(cache=True)), None)
    if request.mimetype == "multipart/form-data":
        # Reading the raw body first keeps it cached for the form parser; uploads are capped by MAX_CONTENT_LENGTH.
        has_replacement = _REPLACEMENT.encode() in request.get_data(cache=True)
        return next(multipart_problems(iter(request.form.items(multi=True)), has_replacement), None)
    if request.is_json:
        document = request.get_json(silent=True)
        return next(json_problems(document), None) if document is not None else None
    return None


def register(app: Flask) -> None:
    """Refuse invalid text in every request with a 400 naming the field."""

    @app.before_request
    def refuse_invalid_text() -> None:
        found = first_problem()
        if found is not None:
            raise _message(*found)
