"""Form and request helpers shared by the workflow blueprints."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import flash, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from matchmaker.errors import MatchmakerError
from matchmaker.extensions import db

try:  # WTForms >= 3.3 wants SelectChoice objects; older versions take (value, label) tuples.
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    SelectChoice = None


def options(pairs: Iterable[tuple[str, Any]]) -> list[Any]:
    """Return select choices from (value, label) pairs in the form this WTForms version expects."""
    if SelectChoice is None:  # pragma: no cover
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice rendered as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(FlaskForm):
    """A form with only its CSRF token, for one-button actions (publish, move, delete...)."""


def attach_error(form: FlaskForm, error: MatchmakerError, fallback: str | None = None) -> None:
    """Show a service error next to the field it names (or the fallback field, or the form)."""
    name = error.field if error.field in form else fallback
    if name and name in form:
        form[name].errors = [*form[name].errors, error.message]  # type: ignore[list-item]
    else:
        form.form_errors.append(error.message)


@dataclass
class ServiceCall:
    """What became of a call made under ``service_call``: ``error`` holds the domain error it raised."""

    error: MatchmakerError | None = None

    @property
    def ok(self) -> bool:
        """Return True when the call raised no handled domain error."""
        return self.error is None


@contextmanager
def service_call(
    form: FlaskForm | None = None,
    *,
    fallback: str | None = None,
    catch: tuple[type[MatchmakerError], ...] = (MatchmakerError,),
    passes: tuple[type[MatchmakerError], ...] = (),
) -> Iterator[ServiceCall]:
    """Run a service call; on a domain error roll the session back and tell the user.

    The message goes next to the form field it names when a form is given (see ``attach_error``),
    else into a flash. Errors of ``passes`` are re-raised after the rollback (a 403 or 404 page);
    errors outside ``catch`` are not touched. Check ``call.ok`` after the block::

        with service_call(form, fallback="name") as call:
            event = create_event(...)
        if call.ok:
            return redirect(...)
    """
    call = ServiceCall()
    try:
        yield call
    except catch as error:
        db.session.rollback()
        if isinstance(error, passes):
            raise
        call.error = error
        if form is not None:
            attach_error(form, error, fallback)
        else:
            flash(error.message, "error")


def offset_arg(name: str = "offset", *, maximum: int = 10_000) -> int:
    """Return a non-negative integer query parameter, 0 when absent or malformed."""
    raw = request.args.get(name, "")
    return min(int(raw), maximum) if raw.isdigit() else 0


def filter_tags(labels: Mapping[str, Mapping[str, str] | None]) -> list[tuple[str, str]]:
    """Return (label, url) for each active multi-valued filter of the current page, the url removing it."""
    tags = []
    args = request.args.to_dict(flat=False)
    args.pop("offset", None)
    view_args = request.view_args or {}
    for name, names in labels.items():
        for value in args.get(name, []):
            if not value:
                continue
            remaining = {**args, name: [v for v in args[name] if v != value]}
            url = url_for(request.endpoint or "main.index", **view_args, **remaining)
            tags.append((str((names or {}).get(value, value)), url))
    return tags


def reset_url(names: tuple[str, ...]) -> str:
    """Return the current page without the given filters."""
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k not in names and k != "offset"}
    return url_for(request.endpoint or "main.index", **(request.view_args or {}), **args)


def safe_next(target: str | None) -> str | None:
    """Return the target when it is a local path, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    # Browsers drop tabs and newlines inside URLs: "/\t/evil.example" would become "//evil.example".
    if any(character.isspace() or ord(character) < 32 or ord(character) == 127 for character in target):
        return None
    return target
