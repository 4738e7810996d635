"""QUAL-04, MOVE-02..04, SVC-02/03/06: a contracted unit gets its move-in notice, is handed over with a
defect, the defect's work order is dispatched, done on the worker's phone, confirmed and closed, and the
return visit records a survey."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from handover import services
from handover.models import HandoverRecord, ReturnVisit, SurveyResponse, WorkOrder
from handover.rules import MANDATORY_MOVE_IN_ITEMS
from salesoffice.core.roles import Role
from tests.factories import PASSWORD
from tests.handover.conftest import make_contract, unit_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_handover_from_notice_to_return_visit(
    browser, page, live_server, login, screenshot, site, staff, manager
):
    salesperson = staff(Role.SALESPERSON, site)
    service = staff(Role.SERVICE, site, last_name="周", first_name="客服")
    contract = make_contract(site, salesperson, name="陈业主")
    unit = unit_of(contract)
    worker_user = staff(Role.REPAIR, site, last_name="王", first_name="师傅")
    services.repair_worker_save(
        site=site, actor=service, user=worker_user, areas=[unit.building.name], skills={"plumbing": 3}
    )
    start = timezone.localdate() + dt.timedelta(days=20)
    batch = services.move_in_batch_create(
        site=site, actor=service, name="一期入伙", planned_start=start, planned_end=start + dt.timedelta(days=5),
        property_fee_per_m2="2.50", maintenance_fund_per_m2="80.00", certificate_fees="500.00",
        documents_ready={"completion_acceptance": "2026-01-05", "area_survey_report": "2026-01-05",
                         "quality_guarantee": "2026-01-05", "usage_instructions": "2026-01-05"},
    )  # fmt: skip
    services.move_in_batch_units_add(batch=batch, actor=service, contracts=[contract])
    services.move_in_batch_approve(batch=batch, actor=manager)
    zone = timezone.get_current_timezone()
    services.move_in_slot_create(
        batch=batch, actor=service, starts_at=dt.datetime.combine(start, dt.time(9), tzinfo=zone),
        ends_at=dt.datetime.combine(start, dt.time(11), tzinfo=zone),
    )  # fmt: skip
    services.questionnaire_publish(
        site=site,
        actor=service,
        name="维修回访",
        questions=[{"key": "q1", "text": "维修是否满意？", "kind": "score"}],
    )
    base = live_server.url

    # MOVE-02: notice and slot booking.
    login(service, PASSWORD)
    page.goto(f"{base}/handover/batches/{batch.pk}/")
    page.click("form[action$='/book/'] button")
    page.click("form[action$='/notices/'] button")
    page.wait_for_load_state("networkidle")
    assert page.locator("a[href*='/notices/']").count() == 1
    screenshot("handover-batch")

    # MOVE-03/04: checklist, a defect, the owner's signature, completion.
    page.click(f"form[action$='/contracts/{contract.pk}/handover/'] button")
    page.wait_for_load_state("networkidle")
    for item in sorted(MANDATORY_MOVE_IN_ITEMS):
        form = page.locator(f"form:has(input[name=item][value={item}])")
        if item == "keys_handed_over":
            form.locator("input[name=key_count]").fill("3")
        form.locator("button").click()
        page.wait_for_load_state("networkidle")
    page.fill("input[name=room]", "主卫")
    page.fill("input[name=location]", "洗手盆下水管")
    page.select_option("select[name=category]", "plumbing")
    page.fill("input[name=description]", "接口渗水")
    page.click("form[action$='/defect/'] button")
    page.wait_for_load_state("networkidle")
    page.click("form[action$='/sign/'] button")
    page.wait_for_load_state("networkidle")
    page.click("form[action$='/complete/'] button")
    page.wait_for_load_state("networkidle")
    record = HandoverRecord.objects.get(contract=contract)
    assert record.status == HandoverRecord.Status.COMPLETE
    screenshot("handover-checklist-done")

    # SVC-02: dispatch the defect's work order by area and skill.
    order = WorkOrder.objects.get(source=WorkOrder.Source.INSPECTION)
    page.goto(f"{base}/handover/work-orders/{order.pk}/")
    page.click("form[action$='/dispatch/'] button")
    page.wait_for_load_state("networkidle")
    assert WorkOrder.objects.get(pk=order.pk).worker.user == worker_user
    screenshot("handover-work-order-dispatched")

    # SVC-03: the worker starts and finishes on the phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    worker_page = phone.new_page()
    _login(worker_page, base, worker_user)
    worker_page.goto(f"{base}/handover/my-orders/")
    worker_page.click("form[action$='/start/'] button")
    worker_page.wait_for_selector("form[action$='/finish/'] button")
    worker_page.screenshot(path=str(_artifact("handover-worker-phone")), full_page=True)
    worker_page.click("form[action$='/finish/'] button")
    worker_page.wait_for_load_state("networkidle")
    phone.close()
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrder.Status.DONE

    # SVC-03: the owner's confirmation, then closing.
    page.goto(f"{base}/handover/work-orders/{order.pk}/")
    page.click("form[action$='/confirm/'] button")
    page.wait_for_load_state("networkidle")
    page.click("form[action$='/close/'] button")
    page.wait_for_load_state("networkidle")
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrder.Status.CLOSED
    screenshot("handover-work-order-closed")

    # SVC-06: the return visit with the survey.
    visit = ReturnVisit.objects.get(work_order=order)
    page.goto(f"{base}/handover/visits/{visit.pk}/")
    page.fill("textarea[name=notes]", "业主表示满意")
    page.select_option("select[name=answer_q1]", "4")
    screenshot("handover-return-visit")
    page.click("form button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert SurveyResponse.objects.get(work_order=order).answers == {"q1": 4}
    page.goto(f"{base}/handover/statistics/")
    screenshot("handover-statistics")


def _artifact(name):
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
