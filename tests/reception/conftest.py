"""Fixtures of the reception tests: four salespeople A, B, C, D at the site, and helpers that
capture the rota's stored state so a refusal can be shown to change nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reception import services
from reception.models import Reception, RotaDay, RotaEvent
from reception.rota import RotaState
from salesoffice.core.roles import Role


@pytest.fixture
def people(staff, site):
    """Salespeople named A, B, C, D (in that order) at ``site``."""
    return {
        letter: staff(Role.SALESPERSON, site, username=letter.lower(), last_name="", first_name=letter)
        for letter in "ABCD"
    }


@pytest.fixture
def signed_in(people, site):
    """A, B, C, D signed in, in that order: queue A, B, C, D, all available."""
    for person in people.values():
        services.rota_sign_in(site=site, actor=person)
    return people


@pytest.fixture
def supervisor(staff, site):
    return staff(Role.SUPERVISOR, site, last_name="周", first_name="主管")


@pytest.fixture
def snapshot(site):
    """``snapshot()``: everything a rota verb may write, to compare before and after a refusal."""
    return lambda: _snapshot(site)


@pytest.fixture
def queue(site, people):
    """``queue()``: today's queue as letters, head first."""
    return lambda: _queue(site, people)


def _snapshot(site):
    days = list(RotaDay.objects.filter(site=site).values("id", "state", "event_count", "closing_order"))
    events = RotaEvent.objects.filter(day__site=site).count()
    receptions = list(
        Reception.objects.filter(day__site=site)
        .order_by("pk")
        .values("id", "receiver_id", "counted", "started_at", "ended_at", "outcome", "registration_id")
    )
    return days, events, receptions


def _queue(site, people):
    names = {str(person.pk): letter for letter, person in people.items()}
    day = RotaDay.objects.get(site=site)
    return [names[name] for name in RotaState.from_json(day.state).queue]


@pytest.fixture
def midday(site):
    """Put the site in a time zone where it is about noon now, so a test that goes back a few
    hours stays on the same business day whenever it runs."""
    offset = 12 - timezone.now().hour
    site.time_zone = f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"
    site.save(update_fields=["time_zone"])
    return site
