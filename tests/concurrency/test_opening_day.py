"""quality.md R10, the CI version of ``benchmarks/opening_day`` (开盘): at the bell the manager releases the
first batch, and 50 salespeople at once, each for their own buyer, try to hold its 20 units through the
API (token authentication, real threads, real transactions). Buyers' wishes follow Zipf weights, so the
favourite units draw many of them; on a 409 a salesperson tries the buyer's next wish.

Each unit is held at most once, by the salesperson answered 201; every loser gets a 409 saying the unit
is no longer available; nothing else is answered."""

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from rest_framework.test import APIClient

from deals.models import Deal, Deposit, Unit
from deals.rules import UnitAction
from deals.services import unit_batch_transition
from salesoffice.core.models import Membership
from salesoffice.core.roles import Role
from salesoffice.core.services import token_create
from tests.customers.factories import register
from tests.deals.factories import BuildingFactory, UnitFactory

SALESPEOPLE = 50
UNITS = 20
WISHES = 3
WORKERS = 16
BATCH = "首开"


def _wishes(unit_ids: list[int], rng: random.Random) -> list[int]:
    weights = [1 / rank for rank in range(1, len(unit_ids) + 1)]
    wishes: list[int] = []
    while len(wishes) < WISHES:
        unit = rng.choices(unit_ids, weights)[0]
        if unit not in wishes:
            wishes.append(unit)
    return wishes


@pytest.mark.django_db(transaction=True)
def test_r10_opening_day_each_unit_held_once_and_every_loser_gets_409(site, staff):
    # Given 50 salespeople, each with their own registered buyer and a write token, and a withheld batch
    manager = staff(Role.MANAGER, site)
    # Token users need no password: no hashing of 50 passwords.
    sellers = get_user_model().objects.bulk_create(
        get_user_model()(username=f"open-sp{i:02d}", password="!", last_name="李", first_name=f"顾问{i}")
        for i in range(SALESPEOPLE)
    )
    Membership.objects.bulk_create(
        Membership(user=seller, site=site, role=Role.SALESPERSON.value) for seller in sellers
    )
    buyers = [
        register(site, seller, name=f"买家{i}", phones=(f"1390000{i:04d}",)).customer
        for i, seller in enumerate(sellers)
    ]
    tokens = [
        token_create(user=seller, site=site, name="opening day", scope="write", actor=seller)[1]
        for seller in sellers
    ]
    building = BuildingFactory(site=site)
    units = [
        UnitFactory(
            building=building,
            floor=i // 4 + 1,
            number=f"{i % 4 + 1:02d}",
            status=Unit.Status.WITHHELD,
            sales_batch=BATCH,
        )
        for i in range(UNITS)
    ]
    ranking = [unit.pk for unit in units]
    rng = random.Random(10)
    rng.shuffle(ranking)
    wishes = [_wishes(ranking, rng) for _ in sellers]
    start = threading.Barrier(WORKERS)

    def salesperson(index: int) -> list[tuple[int, int, dict]]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[index]}")
        answers = []
        try:
            if index < WORKERS:
                start.wait()
            for unit in wishes[index]:
                response = client.post(
                    f"/api/v1/units/{unit}/hold/",
                    {"customer": buyers[index].pk, "amount": "5000.00", "method": "wechat"},
                    format="json",
                )
                answers.append((unit, response.status_code, response.json()))
                if response.status_code != 409:
                    break
        finally:
            connection.close()
        return answers

    # When the manager releases the batch and everybody taps "hold" at once
    assert (
        unit_batch_transition(site=site, sales_batch=BATCH, action=UnitAction.RELEASE, actor=manager) == UNITS
    )
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(salesperson, range(SALESPEOPLE)))

    # Then the only answers are 201 and 409, and there was contention
    answers = [answer for answers in outcomes for answer in answers]
    statuses = Counter(status for _unit, status, _body in answers)
    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] >= 1
    assert statuses[409] >= SALESPEOPLE - UNITS
    # And every loser is told the unit is no longer available
    for _unit, status, body in answers:
        if status == 409:
            assert body["error"]["code"] == "unit_unavailable"
            assert body["error"]["message"]
    # And each unit went to at most one buyer, each buyer got at most one unit
    won = {
        unit: sellers[index].pk
        for index, answers in enumerate(outcomes)
        for unit, s, _b in answers
        if s == 201
    }
    assert statuses[201] == len(won)
    assert all(sum(s == 201 for _u, s, _b in answers) <= 1 for answers in outcomes)
    # And the database agrees: the units on hold are the ones answered 201, held by their salesperson
    active = Deal.objects.filter(unit__in=ranking, status__in=Deal.ACTIVE)
    assert dict(active.values_list("unit_id", "salesperson_id")) == won
    assert not active.values("unit_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert Deposit.objects.filter(unit__in=ranking, status=Deposit.Status.ACTIVE).count() == len(won)
    assert set(
        Unit.objects.filter(pk__in=ranking, status=Unit.Status.ON_HOLD).values_list("pk", flat=True)
    ) == set(won)
