"""SVC-08 statistics on a small fixed data set, checked against figures computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from handover import selectors, services
from handover.models import WorkOrder
from tests.handover.conftest import at
from tests.handover.test_services import _order

pytestmark = pytest.mark.django_db


def _run(order, worker, manager, service, clock, *, respond_after, complete_after, reopen=False):
    start = clock.now
    order = services.work_order_dispatch(work_order=order, actor=service, worker=worker, reason="r")
    clock.set(start + respond_after)
    order = services.work_order_step(work_order=order, actor=worker.user, action="start")
    clock.set(start + complete_after)
    order = services.work_order_step(work_order=order, actor=worker.user, action="finish")
    if reopen:
        order = services.work_order_step(work_order=order, actor=manager, action="reopen", note="again")
        order = services.work_order_dispatch(work_order=order, actor=service, worker=worker, reason="r")
        order = services.work_order_step(work_order=order, actor=worker.user, action="start")
        order = services.work_order_step(work_order=order, actor=worker.user, action="finish")
    clock.set(start)
    return order


def test_svc_08_statistics_against_hand_computed_figures(site, service, manager, repair, clock):
    """Three normal orders (targets: respond 24 h, complete 72 h) and one open:
    A plumbing by Wang: respond 2 h, done 10 h; B plumbing by Wang: respond 30 h (late), done 80 h (late),
    reopened; C electrical by Li: respond 4 h, done 20 h; D electrical, never assigned.
    Mean response (2 + 30 + 4) / 3 = 12 h; mean completion (B reopened and finished again at its 80th hour)
    (10 + 80 + 20) / 3 = 36.67 h; completed on time: A and C, 2 of 3."""
    wang = repair(areas=["1号楼"], skills={"plumbing": 3, "electrical": 3}, username="wang")
    li = repair(areas=["1号楼"], skills={"electrical": 3}, username="li")
    clock.set(at(2, 8))
    a = _order(site, service, category="plumbing")
    _run(
        a,
        wang,
        manager,
        service,
        clock,
        respond_after=dt.timedelta(hours=2),
        complete_after=dt.timedelta(hours=10),
    )
    b = _order(site, service, category="plumbing")
    _run(
        b,
        wang,
        manager,
        service,
        clock,
        respond_after=dt.timedelta(hours=30),
        complete_after=dt.timedelta(hours=80),
        reopen=True,
    )
    c = _order(site, service, category="electrical")
    _run(
        c,
        li,
        manager,
        service,
        clock,
        respond_after=dt.timedelta(hours=4),
        complete_after=dt.timedelta(hours=20),
    )
    _order(site, service, category="electrical")
    services.complaint_create(site=site, actor=service, channel="desk", complainant_name="王五", content="x")
    report = selectors.service_statistics(user=manager, site=site, start=at(1, 0), end=at(31, 0))
    totals = report["totals"]
    assert totals["orders"] == 4
    assert totals["responded"] == 3
    assert totals["responded_on_time"] == 2
    assert totals["avg_response_hours"] == Decimal("12.00")
    assert totals["completed"] == 3
    assert totals["completed_on_time"] == 2
    assert totals["avg_completion_hours"] == Decimal("36.67")
    assert totals["reopened"] == 1
    assert totals["reopen_rate_pct"] == Decimal("25.0")
    by_category = {row["key"]: row for row in report["category"]}
    assert by_category["plumbing"]["orders"] == 2
    assert by_category["electrical"]["orders"] == 2
    assert by_category["electrical"]["completed"] == 1
    by_worker = {row["key"]: row for row in report["worker"]}
    assert by_worker["wang"]["orders"] == 2
    assert by_worker["wang"]["efficiency_pct"] == Decimal("100.0")
    assert by_worker["li"]["avg_completion_hours"] == Decimal("20.00")
    assert by_worker[None]["orders"] == 1
    assert report["complaints"]["complaints"] == 1
    assert [row["orders"] for row in report["month"]] == [4]
    sheets = selectors.statistics_sheets(report)
    assert set(sheets) >= {"category", "worker", "complaints", "satisfaction"}


def test_svc_08_statistics_need_the_service_report_right(site, salesperson):
    from django.core.exceptions import PermissionDenied as Denied

    with pytest.raises(Denied):
        selectors.service_statistics(user=salesperson, site=site, start=at(1, 0), end=at(2, 0))


def test_svc_08_completion_time_of_reopened_order_counts_the_last_finish(
    site, service, manager, repair, clock
):
    worker = repair(areas=["1号楼"], skills={"plumbing": 3})
    order = _run(
        _order(site, service),
        worker,
        manager,
        service,
        clock,
        respond_after=dt.timedelta(hours=1),
        complete_after=dt.timedelta(hours=2),
        reopen=True,
    )
    assert WorkOrder.objects.get(pk=order.pk).completed_at == clock.now + dt.timedelta(hours=2)
