"""Locks under real concurrency (PostgreSQL, threads with their own transactions): MOVE-02 slot capacity and
SVC-01 gap-free work-order numbers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from handover import services
from handover.exceptions import SlotFull
from handover.models import MoveInSlot, SlotBooking, WorkOrder
from tests.handover.conftest import at
from tests.handover.test_services import _batch

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite drops FOR UPDATE (quality.md)"),
]


def _run_together(count, work):
    barrier = threading.Barrier(count)
    results: list[object] = []

    def run(index):
        try:
            barrier.wait()
            results.append(work(index))
        except Exception as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_move_02_concurrent_bookings_never_exceed_capacity(site, service, manager, contract_factory):
    contracts = [contract_factory() for _ in range(6)]
    batch = _batch(site, service, manager, contracts, capacity=2)
    slot = services.move_in_slot_create(batch=batch, actor=service, starts_at=at(10, 9), ends_at=at(10, 11))
    results = _run_together(
        6, lambda index: services.slot_book(slot=slot, contract=contracts[index], actor=service)
    )
    booked = [result for result in results if isinstance(result, SlotBooking)]
    refused = [result for result in results if isinstance(result, SlotFull)]
    assert (len(booked), len(refused)) == (2, 4), results
    assert MoveInSlot.objects.get(pk=slot.pk).booked == 2
    assert SlotBooking.objects.filter(slot=slot).count() == 2


def test_svc_01_concurrent_work_orders_get_unique_gap_free_numbers(site, service):
    def create(_index):
        return services.work_order_create(
            site=site,
            actor=service,
            reporter_name="张三",
            category="plumbing",
            description="漏水",
            area="1号楼",
        )

    results = _run_together(10, create)
    assert all(isinstance(result, WorkOrder) for result in results), results
    numbers = sorted(WorkOrder.objects.values_list("number", flat=True))
    assert [int(number.rsplit("-", 1)[1]) for number in numbers] == list(range(1, 11))
