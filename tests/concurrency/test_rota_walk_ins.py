"""quality.md R2 (ROTA-02, ROTA-05): 20 desks post walk-ins at the same moment with 10 salespeople
on the rota. Each walk-in gets exactly one receiver or waits, nobody receives two at once, and
the rota's counters agree with the receptions (turns counted = counted receptions)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from reception import services
from reception.models import Reception, RotaDay, RotaEvent
from reception.rota import RotaState
from salesoffice.core.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)

DESKS = 20
SALESPEOPLE = 10


def test_r2_twenty_desks_ten_salespeople(site, staff):
    people = [staff(Role.SALESPERSON, site, username=f"s{n}") for n in range(SALESPEOPLE)]
    desks = [staff(Role.SALESPERSON, site, username=f"desk{n}") for n in range(DESKS)]
    for person in people:
        services.rota_sign_in(site=site, actor=person)
    url = reverse("api-rota-walk-in", kwargs={"site_id": site.pk})
    start = threading.Barrier(DESKS)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def desk(user):
        try:
            client = APIClient()
            client.force_authenticate(user)
            start.wait()
            response = client.post(url, {"type": "new"}, format="json")
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(user,)) for user in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [code for code, _body in results] == [201] * DESKS
    receivers = [body["receiver"] for _code, body in results if body["receiver"] is not None]
    waiting = [body for _code, body in results if body["waiting"]]
    # Each walk-in: exactly one receiver, or it waits; ten receive, ten wait.
    assert len(receivers) + len(waiting) == DESKS
    assert sorted(receivers) == sorted(person.pk for person in people)
    assert not [body for _code, body in results if body["waiting"] and body["receiver"] is not None]
    # Nobody receives two customers at once.
    open_by_receiver = Counter(
        Reception.objects.filter(ended_at__isnull=True, receiver__isnull=False).values_list(
            "receiver_id", flat=True
        )
    )
    assert max(open_by_receiver.values()) == 1
    # The rota's counters agree with the stored receptions.
    day = RotaDay.objects.get(site=site)
    state = RotaState.from_json(day.state)
    counted = Reception.objects.filter(day=day, counted=True)
    assert state.turns == counted.count() == SALESPEOPLE
    per_person = Counter(counted.values_list("receiver_id", flat=True))
    assert {int(member.name): member.turns for member in state.members} == {
        p.pk: per_person[p.pk] for p in people
    }
    assert len(state.waiting) == DESKS - SALESPEOPLE
    assert sorted(Reception.objects.filter(day=day).values_list("number", flat=True)) == list(
        range(1, DESKS + 1)
    )
    assert day.event_count == RotaEvent.objects.filter(day=day).count() == SALESPEOPLE + DESKS
