"""Parse an HTML form into a pydantic model and turn its errors into readable, translated text."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.core.i18n import gettext as _

M = TypeVar("M", bound=BaseModel)

_SECRET_FIELDS = frozenset({"password", "csrf_token"})


def form_values(form: FormData, model: type[BaseModel]) -> dict[str, Any]:
    """Collect fields the model knows: lists for list fields, booleans for checkboxes."""
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        annotation = str(field.annotation)
        if annotation.startswith("list"):
            values[name] = [v for v in form.getlist(name) if isinstance(v, str)]
        elif field.annotation is bool:
            values[name] = form.get(name) in ("on", "true", "1", "yes")
        else:
            raw = form.get(name)
            if isinstance(raw, str) and raw != "":
                values[name] = raw
    return values


def message_for(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("Please fill this in.")
    if kind == "string_too_long":
        return _("Please use at most %(max)s characters.", max=ctx.get("max_length"))
    if kind == "string_too_short":
        return _("Please use at least %(min)s characters.", min=ctx.get("min_length"))
    if kind == "value_error":
        # Our own validators raise translated messages; pydantic prefixes "Value error, ".
        return str(error.get("msg", "")).removeprefix("Value error, ")
    if kind in ("literal_error", "enum"):
        return _("Please choose one of the options.")
    if kind.startswith(("int_", "float_", "greater_than", "less_than", "multiple_of")):
        return _("Please enter a number in the allowed range.")
    if kind.startswith("date"):
        return _("Please enter a date as YYYY-MM-DD.")
    return _("Please check this value.")


def errors_by_field(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if not isinstance(p, int)]
        field = loc[0] if loc else "form"
        errors.setdefault(field, message_for(dict(error)))
    return errors


def parse_form(model: type[M], form: FormData) -> tuple[M | None, dict[str, Any], dict[str, str]]:
    """Return (model or None, values to re-fill the form with, errors by field)."""
    values = form_values(form, model)
    refill = {k: v for k, v in values.items() if k not in _SECRET_FIELDS}
    try:
        return model.model_validate(values), refill, {}
    except ValidationError as exc:
        return None, refill, errors_by_field(exc)
