"""quality.md R1, UNIT-03, S-DEAL-1: 100 concurrent hold attempts on one unit, repeated; exactly one wins.

``R1_ROUNDS`` sets the number of rounds (10 by default in CI; the documented long run uses 50)."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from deals import services
from deals.exceptions import UnitUnavailable
from deals.models import Deal, Deposit, Unit
from deals.rules import DepositKind
from salesoffice.core.roles import Role
from tests.deals.factories import UnitFactory, customer_for

ATTEMPTS = 100
WORKERS = 20
ROUNDS = int(os.environ.get("R1_ROUNDS", "10"))


@pytest.mark.django_db(transaction=True)
def test_r1_concurrent_holds_on_one_unit_exactly_one_wins(site, staff):
    salespeople = [staff(Role.SALESPERSON, site) for _ in range(4)]
    customers = [
        customer_for(site, person, name=f"客户{i}", phone=f"1380000{i:04d}")
        for i, person in enumerate(salespeople)
    ]
    for round_ in range(ROUNDS):
        unit = UnitFactory(building__site=site, floor=round_ % 30 + 1, number=f"R{round_:03d}")
        start = threading.Barrier(WORKERS)

        def attempt(index: int, unit_id: int = unit.pk, start: threading.Barrier = start) -> str:
            try:
                if index < WORKERS:
                    start.wait()
                services.deposit_take(
                    unit=Unit.objects.get(pk=unit_id), customer=customers[index % 4], actor=salespeople[index % 4],
                    kind=DepositKind.SMALL, amount=Decimal("1000.00"), method="cash",
                )  # fmt: skip
                return "won"
            except UnitUnavailable:
                return "unavailable"
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            outcomes = list(pool.map(attempt, range(ATTEMPTS)))

        assert outcomes.count("won") == 1, f"round {round_}: {outcomes.count('won')} winners"
        assert outcomes.count("unavailable") == ATTEMPTS - 1
        assert Deposit.objects.filter(unit=unit, status=Deposit.Status.ACTIVE).count() == 1
        assert Deal.objects.filter(unit=unit).count() == 1
        assert Unit.objects.get(pk=unit.pk).status == Unit.Status.ON_HOLD


@pytest.mark.django_db(transaction=True)
def test_r1_constraint_rejects_a_second_active_hold_written_past_the_service(site, staff):
    """UNIT-03: even a write that skips the lock cannot create a second active deposit or deal."""
    person = staff(Role.SALESPERSON, site)
    customer = customer_for(site, person)
    unit = UnitFactory(building__site=site)
    first = services.deposit_take(
        unit=unit,
        customer=customer,
        actor=person,
        kind=DepositKind.SMALL,
        amount=Decimal("1000.00"),
        method="cash",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Deposit.objects.create(
            site_id=site.pk, deal=first.deal, unit=unit, customer=customer, salesperson=person, kind="small",
            amount=Decimal("1000.00"), paid_at=first.paid_at, hold_until=first.hold_until,
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.create(
            site_id=site.pk, unit=unit, customer=customer, salesperson=person, list_total=unit.list_total,
            area=unit.building_area, first_deposit_at=first.paid_at,
        )  # fmt: skip
    assert Deposit.objects.filter(unit=unit, status="active").count() == 1
