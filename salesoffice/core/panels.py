"""Panels of the customer file (CUS-04) contributed by other apps.

The customer file lives in the customers app, but deals and handover hold part of a customer's
story. Each app registers a panel (a URL name taking the customer id); the file loads every panel
by htmx, so no app imports another's views."""

from __future__ import annotations

import dataclasses
from functools import cache

from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules


@dataclasses.dataclass(frozen=True)
class Panel:
    label: str | Promise
    url_name: str
    order: int


_PANELS: list[Panel] = []


def register(label: str | Promise, url_name: str, *, order: int) -> None:
    _PANELS.append(Panel(label=label, url_name=url_name, order=order))


@cache
def customer_panels() -> tuple[Panel, ...]:
    autodiscover_modules("panels")
    return tuple(sorted(_PANELS, key=lambda panel: panel.order))
