"""Labels and durations for the rota pages, in the user's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reception.models import Reception

register = template.Library()

STATUS_LABELS = {
    "available": pgettext_lazy("salesperson on the rota", "Available"),
    "receiving": _("Receiving"),
    "with_own_customer": _("With own customer"),
    "on_assignment": _("On assignment"),
    "on_break": _("On break"),
    "signed_out": _("Signed out"),
}
SKIP_LABELS = {
    "on_break": _("On break"),
    "with_own_customer": _("With own customer"),
    "on_assignment": _("On assignment"),
    "receiving": _("Receiving (not a turn)"),
    "receiving_counted": _("Receiving"),
    "refused": _("Refused or picked a customer"),
}
_TYPE_LABELS = dict(Reception.Type.choices)
_OUTCOME_LABELS = dict(Reception.Outcome.choices)


@register.filter
def status_label(value: str) -> str:
    return str(STATUS_LABELS.get(value, value))


@register.filter
def skip_label(value: str) -> str:
    return str(SKIP_LABELS.get(value, value))


@register.filter
def walk_in_label(value: str) -> str:
    return str(_TYPE_LABELS.get(value, value))


@register.filter
def outcome_label(value: str) -> str:
    return str(_OUTCOME_LABELS.get(value, value))


@register.filter
def minutes(value: dt.timedelta | None) -> str:
    """A waiting time as ``m:ss`` (or ``h:mm:ss`` past the hour)."""
    if value is None:
        return "—"
    seconds = max(int(value.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    mins, secs = divmod(rest, 60)
    return f"{hours}:{mins:02d}:{secs:02d}" if hours else f"{mins}:{secs:02d}"


@register.filter
def since(value: dt.datetime | None, now: dt.datetime) -> str:
    if value is None:
        return "—"
    return minutes(now - value)


@register.filter
def person(value: str | None, names: dict[str, str]) -> str:
    """A salesperson's engine name (their user id as text) shown as their name."""
    if value is None:
        return "—"
    return names.get(str(value), str(value))


@register.filter
def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, 0) if mapping else 0


@register.filter
def event_summary(event: Any, names: dict[str, str]) -> str:
    """One recorded rota event in a few words, for the replay page."""
    kind = type(event).__name__
    who = getattr(event, "who", None)
    if kind == "WalkIn":
        text = walk_in_label(event.type.value)
        if event.named:
            text += " → " + person(event.named, names)
        if event.owner:
            text += " · " + person(event.owner, names)
        return text
    if kind == "StatusChange":
        return f"{person(who, names)}: {status_label(event.status.value)}"
    if kind == "Transfer":
        return f"{person(event.source, names)} → {person(event.target, names)}"
    if kind == "Reorder":
        return ", ".join(person(name, names) for name in event.order)
    labels = {"SignIn": _("Signs in"), "SignOut": _("Signs out"), "Finish": _("Finishes")}
    return f"{person(who, names)}: {labels.get(kind, kind)}"
