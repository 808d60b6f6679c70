"""Jinja2 environment: translations, local-time and yen filters, and the base view data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.templating import Jinja2Templates

from app.core import i18n
from app.core.config import PROJECT_ROOT
from app.core.text import format_phone
from app.store.models import Skill

TEMPLATES_DIR = PROJECT_ROOT / "web" / "templates"


def N_(message: str) -> str:
    return message


STATUS_LABELS = {
    "booked": N_("Booked"),
    "cancelled": N_("Cancelled"),
    "completed": N_("Completed"),
    "no_show": N_("No-show"),
}
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


@dataclass(frozen=True)
class Viewer:
    """What templates may know about the person looking at the page."""

    id: int
    role: str
    email: str
    family_name: str
    given_name: str
    locale: str
    time_zone: str

    @property
    def display_name(self) -> str:
        return f"{self.family_name} {self.given_name}"


def _translate(message: str) -> str:
    return i18n.translations(i18n.get_locale()).gettext(message)


def _ntranslate(singular: str, plural: str, n: int) -> str:
    return i18n.translations(i18n.get_locale()).ngettext(singular, plural, n)


def _build_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_translate, _ntranslate, newstyle=True)  # type: ignore[attr-defined]
    env.filters["local_dt"] = lambda dt, tz: i18n.format_datetime(dt, tz)
    env.filters["local_date"] = lambda dt, tz: i18n.format_date(dt, tz)
    env.filters["zone_name"] = lambda zone: i18n.zone_name(zone)
    env.filters["yen"] = lambda amount: i18n.format_yen(int(amount))
    env.filters["phone"] = lambda e164: format_phone(e164) if e164 else ""
    env.globals["locale_name"] = i18n.language_name
    env.globals["current_locale"] = i18n.get_locale
    env.globals["skill_label"] = lambda code: _translate(Skill.LABELS.get(code, code))
    env.globals["status_label"] = lambda code: _translate(STATUS_LABELS.get(code, code))
    env.globals["weekday_name"] = lambda day: _translate(WEEKDAYS[day.weekday()])
    env.globals["weekday_name_of"] = lambda index: _translate(WEEKDAYS[index])
    return env


env = _build_env()
templates = Jinja2Templates(env=env)


def base_context(request: Request) -> dict[str, Any]:
    state = request.state
    settings = request.app.state.settings
    return {
        "viewer": getattr(state, "viewer", None),
        "csrf_token": getattr(state, "csrf_token", ""),
        "locale": i18n.get_locale(),
        "current_path": request.url.path,
        "is_development": settings.is_development,
    }


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """Render a page with the base view data (viewer, CSRF token, locale) filled in."""
    full = {**base_context(request), **(context or {})}
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def render_error_page(request: Request, status_code: int, detail: str) -> Response:
    return render(
        request, "errors/error.html", {"status": status_code, "detail": detail}, status_code
    )


def render_email(name: str, context: dict[str, Any], locale: str) -> tuple[str, str, str]:
    """Subject, text and HTML of ``emails/<name>`` in ``locale`` (the request's locale is kept)."""
    previous = i18n.get_locale()
    i18n.set_locale(locale)
    try:
        subject = env.get_template(f"emails/{name}.subject.txt").render(context).strip()
        text = env.get_template(f"emails/{name}.txt").render(context)
        html = env.get_template(f"emails/{name}.html").render(context)
    finally:
        i18n.set_locale(previous)
    return subject, text, html
