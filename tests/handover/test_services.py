"""Services of the handover app against the database: SVC-01..07, MOVE-01..05, AREA-01/02, CERT-01."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.utils import InternalError

from deals.models import MoneyRecord, Unit
from handover import services
from handover.exceptions import HandoverIncomplete, NoWorkerAvailable, SlotFull
from handover.models import (
    AreaSettlement,
    Complaint,
    DeskShiftLog,
    FollowUpTask,
    HandoverRecord,
    MoveInNotice,
    ReturnVisit,
    ServiceDeskEntry,
    ServiceTarget,
    WorkOrder,
    WorkOrderEvent,
)
from handover.rules import MANDATORY_MOVE_IN_ITEMS, MoveInItem
from salesoffice.core.exceptions import Conflict, DomainError, NotAllowed
from salesoffice.core.models import AuditEvent
from salesoffice.core.roles import Role
from tests.handover.conftest import at, unit_of

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _order(site, service, unit=None, **extra):
    values = {"reporter_name": "张三", "category": "plumbing", "description": "厨房水龙头漏水", "unit": unit}
    if unit is None:
        values["area"] = "1号楼"
    values.update(extra)
    return services.work_order_create(site=site, actor=service, **values)


# --- SVC-01 numbering ---


def test_svc_01_number_is_site_prefix_date_sequence(site, service, clock):
    site.code = "bj1"
    site.save()
    first, second = _order(site, service), _order(site, service)
    assert first.number == "BJ1-20260301-0001"
    assert second.number == "BJ1-20260301-0002"
    clock.advance(days=1)
    assert _order(site, service).number == "BJ1-20260302-0001"


def test_svc_01_rolled_back_creation_gives_its_number_back(site, service, clock):
    with pytest.raises(DomainError), transaction.atomic():
        _order(site, service)
        raise DomainError("rolled back")
    assert _order(site, service).number.endswith("-0001")


def test_svc_01_bad_input_is_refused_with_field_and_nothing_written(site, service):
    for field, bad in (
        ("category", "nonsense"),
        ("priority", "now"),
        ("reporter_phone", "12"),
        ("description", ""),
    ):
        with pytest.raises(DomainError) as error:
            _order(site, service, **{field: bad})
        assert field in error.value.fields
    assert not WorkOrder.objects.exists()


def test_svc_01_salesperson_may_not_create(site, salesperson):
    with pytest.raises(NotAllowed):
        _order(site, salesperson)
    assert not WorkOrder.objects.exists()


def test_svc_02_due_times_from_site_targets(site, service, clock):
    ServiceTarget.objects.create(site=site, kind="urgent", response_minutes=15, completion_minutes=120)
    order = _order(site, service, priority="urgent")
    assert order.respond_by == clock.now + dt.timedelta(minutes=15)
    assert order.complete_by == clock.now + dt.timedelta(hours=2)
    normal = _order(site, service, priority="normal")
    assert normal.complete_by == clock.now + dt.timedelta(hours=72)


# --- SVC-02 dispatch ---


def test_svc_02_dispatch_by_area_skill_and_load(site, service, repair, contract):
    unit = unit_of(contract)
    area = unit.building.name
    busy = repair(areas=[area], skills={"plumbing": 3})
    free = repair(areas=[area], skills={"plumbing": 2})
    repair(areas=["other"], skills={"plumbing": 5})
    repair(areas=[area], skills={"electrical": 5})
    services.work_order_dispatch(work_order=_order(site, service, unit=unit), actor=service)
    first = WorkOrder.objects.get()
    assert first.worker in (busy, free)
    second = services.work_order_dispatch(work_order=_order(site, service, unit=unit), actor=service)
    assert {first.worker_id, second.worker_id} == {busy.pk, free.pk}
    assert second.status == WorkOrder.Status.ASSIGNED
    assert WorkOrderEvent.objects.filter(work_order=second, action="assign", worker=second.worker).exists()


def test_svc_02_no_eligible_worker_is_a_conflict_and_override_needs_reason(site, service, repair):
    order = _order(site, service, area="9号楼")
    with pytest.raises(NoWorkerAvailable):
        services.work_order_dispatch(work_order=order, actor=service)
    worker = repair(areas=["1号楼"])
    with pytest.raises(DomainError) as error:
        services.work_order_dispatch(work_order=order, actor=service, worker=worker, reason="")
    assert "reason" in error.value.fields
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrder.Status.NEW
    order = services.work_order_dispatch(work_order=order, actor=service, worker=worker, reason="熟悉该楼")
    event = WorkOrderEvent.objects.get(work_order=order, action="override")
    assert event.note == "熟悉该楼"
    assert event.worker == worker


# --- SVC-03 progress ---


def test_svc_03_full_progress_with_owner_confirmation_and_reopen(site, service, repair, manager):
    worker = repair(areas=["A"])
    order = _order(site, service, area="A")
    order = services.work_order_dispatch(work_order=order, actor=service)
    user = worker.user
    order = services.work_order_step(work_order=order, actor=user, action="start")
    order = services.work_order_step(work_order=order, actor=user, action="wait", note="等配件")
    order = services.work_order_step(work_order=order, actor=user, action="resume")
    order = services.work_order_step(work_order=order, actor=user, action="finish")
    assert order.completed_at is not None
    order = services.work_order_step(work_order=order, actor=service, action="confirm")
    order = services.work_order_step(work_order=order, actor=manager, action="reopen", note="仍漏水")
    assert order.status == WorkOrder.Status.REOPENED
    assert order.reopen_count == 1
    assert order.completed_at is None
    actions = list(WorkOrderEvent.objects.filter(work_order=order).values_list("action", flat=True))
    assert actions == ["create", "assign", "start", "wait", "resume", "finish", "confirm", "reopen"]


def test_svc_03_only_the_assigned_worker_moves_the_job(site, service, repair):
    mine, other = repair(areas=["A"]), repair(areas=["B"])
    order = services.work_order_dispatch(
        work_order=_order(site, service, area="A"), actor=service, worker=mine, reason="r"
    )
    with pytest.raises(NotAllowed):
        services.work_order_step(work_order=order, actor=other.user, action="start")
    with pytest.raises(NotAllowed):
        services.work_order_step(work_order=order, actor=service, action="start")
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrder.Status.ASSIGNED


def test_svc_03_transition_not_in_table_is_a_conflict(site, service, repair):
    worker = repair(areas=["A"])
    order = services.work_order_dispatch(
        work_order=_order(site, service, area="A"), actor=service, worker=worker, reason="r"
    )
    with pytest.raises(Conflict):
        services.work_order_step(work_order=order, actor=worker.user, action="finish")
    with pytest.raises(Conflict):
        services.work_order_step(work_order=order, actor=service, action="close")


def test_svc_03_event_log_is_append_only(site, service):
    order = _order(site, service)
    event = WorkOrderEvent.objects.get(work_order=order)
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        WorkOrderEvent.objects.filter(pk=event.pk).update(note="changed")


def test_svc_06_closing_creates_one_return_visit(site, service, repair, manager):
    worker = repair(areas=["A"])
    order = services.work_order_dispatch(work_order=_order(site, service, area="A"), actor=service)
    for actor, action in (
        (worker.user, "start"),
        (worker.user, "finish"),
        (service, "confirm"),
        (manager, "close"),
    ):
        order = services.work_order_step(work_order=order, actor=actor, action=action)
    visit = ReturnVisit.objects.get(work_order=order)
    assert visit.kind == ReturnVisit.Kind.WORK_ORDER
    assert services.return_visits_create_due() == 0


# --- SVC-04 warranty ---


def _hand_over(contract, service, *, on):
    record = services.handover_start(contract=contract, actor=service, now=on)
    for item in sorted(MANDATORY_MOVE_IN_ITEMS):
        services.handover_item_done(
            record=record,
            actor=service,
            item=item,
            key_count=3 if item == MoveInItem.KEYS_HANDED_OVER else None,
            now=on,
        )
    inspection = services.inspection_start(record=record, actor=service, now=on)
    services.inspection_sign(
        inspection=inspection, actor=service, outcome="accepted", signed_by_name="张三", now=on
    )
    return services.handover_complete(record=record, actor=service, now=on)


def test_svc_04_warranty_from_handover_date_marks_chargeable(site, service, contract, clock):
    _hand_over(contract, service, on=clock.now)
    unit = unit_of(contract)
    inside = _order(site, service, unit=unit, category="plumbing")
    assert inside.chargeable is False
    assert inside.warranty_until == dt.date(2028, 2, 29)
    clock.advance(days=365 * 2 + 1)
    outside = _order(site, service, unit=unit, category="plumbing")
    roof = _order(site, service, unit=unit, category="roof")
    assert outside.chargeable is True
    assert roof.chargeable is False


# --- SVC-01 / SEC-07 photos ---


@pytest.mark.parametrize("content", [b"GIF89a" + b"\x00" * 10, b"%PDF-1.4", b"", b"\x89PNX"])
def test_sec_07_photo_refused_by_content_type(site, service, content):
    order = _order(site, service)
    with pytest.raises(DomainError) as error:
        services.work_order_photo_add(work_order=order, actor=service, content=content)
    assert error.value.fields.keys() == {"photo"}
    assert not order.photos.exists()


def test_sec_07_photo_refused_by_size(site, service, settings):
    settings.UPLOAD_MAX_BYTES = 100
    order = _order(site, service)
    with pytest.raises(DomainError) as error:
        services.work_order_photo_add(work_order=order, actor=service, content=JPEG + b"\x00" * 100)
    assert error.value.code == "file_too_large"
    assert (
        services.work_order_photo_add(work_order=order, actor=service, content=PNG).content_type
        == "image/png"
    )


# --- AREA-01/02, S-DEAL-5 ---


@pytest.mark.parametrize(
    ("surveyed", "net", "may_cancel"),
    [
        ("102.00", Decimal("40000.00"), False),
        ("103.00", Decimal("60000.00"), False),
        ("104.00", Decimal("60000.00"), True),
        ("97.00", Decimal("-60000.00"), False),
        ("95.00", Decimal("-140000.00"), True),
        ("100.00", Decimal("0.00"), False),
    ],
)
def test_area_01_s_deal_5_settlement_figures(contract, service, surveyed, net, may_cancel):
    settlement = services.area_settlement_compute(contract=contract, actor=service, surveyed_area=surveyed)
    assert settlement.unit_price == Decimal("20000.00")
    assert settlement.net == net
    assert settlement.buyer_may_cancel is may_cancel


def test_area_02_s_deal_5_signed_settlement_enters_money_record(contract, service):
    settlement = services.area_settlement_compute(contract=contract, actor=service, surveyed_area="95.00")
    assert settlement.refund == Decimal("60000.00")
    assert settlement.double_refund == Decimal("80000.00")
    assert [line["label"] for line in settlement.lines][-1] == "total_refund"
    signed = services.area_settlement_sign(settlement=settlement, actor=service, signed_by_name="张三")
    record = MoneyRecord.objects.get(pk=signed.money_record_id)
    assert record.kind == MoneyRecord.Kind.AREA_ADJUSTMENT
    assert record.amount == Decimal("-140000.00")
    assert record.deal_id == contract.deal_id
    assert signed.status == AreaSettlement.Status.SIGNED
    with pytest.raises(Conflict):
        services.area_settlement_sign(settlement=signed, actor=service, signed_by_name="张三")
    assert MoneyRecord.objects.filter(kind="area_adjustment").count() == 1


def test_area_01_buyer_may_cancel_only_beyond_threshold(contract_factory, service):
    within = services.area_settlement_compute(
        contract=contract_factory(), actor=service, surveyed_area="103.00"
    )
    with pytest.raises(DomainError):
        services.area_settlement_sign(
            settlement=within, actor=service, signed_by_name="张三", choice="cancel"
        )
    beyond = services.area_settlement_compute(
        contract=contract_factory(), actor=service, surveyed_area="104.00"
    )
    chosen = services.area_settlement_sign(
        settlement=beyond, actor=service, signed_by_name="李四", choice="cancel"
    )
    assert chosen.status == AreaSettlement.Status.CANCEL_CHOSEN
    assert chosen.money_record_id is None


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "100.001", "NaN", "1e9"])
def test_sec_07_area_bad_input_changes_nothing(contract, service, bad):
    with pytest.raises(DomainError) as error:
        services.area_settlement_compute(contract=contract, actor=service, surveyed_area=bad)
    assert "surveyed_area" in error.value.fields
    assert not AreaSettlement.objects.exists()


# --- MOVE-01..04 ---


def _batch(site, service, manager, contracts, *, start=dt.date(2026, 4, 1), capacity=2):
    batch = services.move_in_batch_create(
        site=site, actor=service, name="一期入伙", planned_start=start, planned_end=start + dt.timedelta(days=6),
        slot_capacity=capacity, property_fee_per_m2="2.50", maintenance_fund_per_m2="80.00", certificate_fees="500.00",
        working_group=[{"user": manager.pk, "duty": "组长"}],
        documents_ready=dict.fromkeys(("completion_acceptance", "area_survey_report", "quality_guarantee", "usage_instructions"), "2026-02-20"),
    )  # fmt: skip
    services.move_in_batch_units_add(batch=batch, actor=service, contracts=contracts)
    return batch


def test_move_01_approval_by_site_manager_with_documents(site, service, manager, contract):
    batch = services.move_in_batch_create(
        site=site,
        actor=service,
        name="一期",
        planned_start=dt.date(2026, 4, 1),
        planned_end=dt.date(2026, 4, 7),
    )
    services.move_in_batch_units_add(batch=batch, actor=service, contracts=[contract])
    with pytest.raises(NotAllowed):
        services.move_in_batch_approve(batch=batch, actor=service)
    with pytest.raises(DomainError) as error:
        services.move_in_batch_approve(batch=batch, actor=manager)
    assert error.value.code == "documents_missing"
    services.move_in_batch_update(
        batch=batch, actor=service, documents_ready={code: "2026-02-01" for code, _l in batch.DOCUMENTS}
    )
    approved = services.move_in_batch_approve(batch=batch, actor=manager)
    assert approved.approved_by == manager


def test_move_02_notice_lists_every_amount_and_is_sent_once(site, service, manager, contract, clock):
    batch = _batch(site, service, manager, [contract])
    services.move_in_batch_approve(batch=batch, actor=manager)
    services.area_settlement_compute(contract=contract, actor=service, surveyed_area="102.00")
    assert services.move_in_notices_send(batch=batch, actor=service) == 1
    assert services.move_in_notices_send(batch=batch, actor=service) == 0
    notice = MoveInNotice.objects.get()
    assert notice.amounts == {
        "balance": "1950000.00", "area_adjustment": "40000.00", "property_fee": "3000.00",
        "maintenance_fund": "8000.00", "certificate_fees": "500.00",
    }  # fmt: skip
    assert notice.total_due == Decimal("2001500.00")
    assert bytes(notice.pdf).startswith(b"%PDF")
    assert notice.late is False


def test_move_02_booking_within_capacity(site, service, manager, contract_factory):
    contracts = [contract_factory() for _ in range(3)]
    batch = _batch(site, service, manager, contracts, capacity=2)
    slot = services.move_in_slot_create(batch=batch, actor=service, starts_at=at(10, 9), ends_at=at(10, 11))
    other = services.move_in_slot_create(batch=batch, actor=service, starts_at=at(10, 14), ends_at=at(10, 16))
    services.slot_book(slot=slot, contract=contracts[0], actor=service)
    services.slot_book(slot=slot, contract=contracts[1], actor=service)
    with pytest.raises(SlotFull):
        services.slot_book(slot=slot, contract=contracts[2], actor=service)
    services.slot_book(slot=other, contract=contracts[1], actor=service)
    services.slot_book(slot=slot, contract=contracts[2], actor=service)
    slot.refresh_from_db()
    other.refresh_from_db()
    assert (slot.booked, other.booked) == (2, 1)


def test_move_03_handover_completes_only_with_every_mandatory_item(site, service, contract, clock):
    record = services.handover_start(contract=contract, actor=service)
    for item in sorted(MANDATORY_MOVE_IN_ITEMS - {MoveInItem.KEYS_HANDED_OVER}):
        services.handover_item_done(record=record, actor=service, item=item)
    with pytest.raises(DomainError) as error:
        services.handover_item_done(record=record, actor=service, item=MoveInItem.KEYS_HANDED_OVER)
    assert "key_count" in error.value.fields
    with pytest.raises(HandoverIncomplete) as missing:
        services.handover_complete(record=record, actor=service)
    assert missing.value.fields["missing"] == ["keys_handed_over"]
    services.handover_item_done(record=record, actor=service, item=MoveInItem.KEYS_HANDED_OVER, key_count=4)
    with pytest.raises(HandoverIncomplete):
        services.handover_complete(record=record, actor=service)
    inspection = services.inspection_start(record=record, actor=service)
    services.inspection_sign(inspection=inspection, actor=service, outcome="accepted", signed_by_name="张三")
    done = services.handover_complete(record=record, actor=service)
    assert done.status == HandoverRecord.Status.COMPLETE
    assert done.key_count == 4
    assert done.handed_over_on == clock.now.date()
    assert Unit.objects.get(pk=contract.unit_id).status == Unit.Status.HANDED_OVER
    assert ReturnVisit.objects.filter(handover=done, kind="handover").count() == 1
    done.customer.refresh_from_db()
    assert done.customer.status == "owner"  # CUS-01: the buyer becomes a home owner (业主)
    item = done.items.get(item=MoveInItem.NOTICE)
    assert (item.done_by, item.done_at) == (service, clock.now)


def test_move_04_defect_becomes_work_order_and_owner_signs(site, service, manager, contract):
    batch = _batch(site, service, manager, [contract])
    record = services.handover_start(contract=contract, actor=service)
    assert record.batch == batch
    inspection = services.inspection_start(record=record, actor=service)
    defect = services.defect_record(
        inspection=inspection, actor=service, room="主卫", location="地漏", category="waterproofing",
        description="渗水", photo=JPEG,
    )  # fmt: skip
    order = defect.work_order
    assert order.source == WorkOrder.Source.INSPECTION
    assert order.priority == batch.repair_priority
    assert order.unit_id == contract.unit_id
    assert order.photos.count() == 1
    with pytest.raises(DomainError):
        services.inspection_sign(
            inspection=inspection, actor=service, outcome="accepted", signed_by_name="张三"
        )
    with pytest.raises(DomainError) as error:
        services.inspection_sign(
            inspection=inspection, actor=service, outcome="refused", signed_by_name="张三"
        )
    assert "refusal_reasons" in error.value.fields
    signed = services.inspection_sign(
        inspection=inspection, actor=service, outcome="accepted_with_defects", signed_by_name="张三"
    )
    assert signed.signed_at is not None


def test_move_05_feedback_summary_by_category(site, service, manager, contract):
    batch = _batch(site, service, manager, [contract])
    record = services.handover_start(contract=contract, actor=service)
    inspection = services.inspection_start(record=record, actor=service)
    for category in ("plumbing", "plumbing", "decoration"):
        services.defect_record(
            inspection=inspection,
            actor=service,
            room="厨房",
            location="台面",
            category=category,
            description="问题",
        )
    batch = services.move_in_feedback_send(batch=batch, actor=service)
    assert batch.feedback_summary == {"decoration": 1, "plumbing": 2}


# --- CERT-01 ---


def test_cert_01_full_payment_steps_and_signature(site, service, contract):
    case = services.certificate_open(contract=contract, actor=service, fees_collected="500.00")
    assert case.mortgage is False
    for action in ("register_initial", "submit", "issue"):
        case = services.certificate_advance(case=case, actor=service, action=action)
    with pytest.raises(DomainError):
        services.certificate_advance(case=case, actor=service, action="hand_over_original")
    with pytest.raises(Conflict):
        services.certificate_advance(case=case, actor=service, action="send_to_bank", signed_by_name="x")
    case = services.certificate_advance(
        case=case, actor=service, action="hand_over_original", signed_by_name="张三"
    )
    assert case.status == "handed_over"
    assert list(case.steps.values_list("to_status", flat=True)) == [
        "documents_collected", "initial_registration_done", "submitted", "issued", "handed_over",
    ]  # fmt: skip


def test_cert_01_mortgage_buyer_original_to_bank(site, service, contract_factory):
    case = services.certificate_open(contract=contract_factory(payment_method="mortgage"), actor=service)
    assert case.mortgage is True
    for action in ("register_initial", "submit", "issue", "send_to_bank", "give_copy"):
        case = services.certificate_advance(case=case, actor=service, action=action)
    assert case.status == "copy_given"


# --- SVC-05 complaints ---


def test_svc_05_complaint_targets_reply_and_owner_acceptance(site, service, clock):
    complaint = services.complaint_create(
        site=site, actor=service, channel="hotline", complainant_name="王五", content="噪音"
    )
    assert complaint.reply_by == clock.now + dt.timedelta(hours=48)
    assert complaint.number.endswith("-TS-20260301-0001")
    complaint = services.complaint_step(complaint=complaint, actor=service, step="acknowledge")
    with pytest.raises(DomainError):
        services.complaint_step(complaint=complaint, actor=service, step="reply", note="")
    complaint = services.complaint_step(
        complaint=complaint, actor=service, step="reply", note="已协调施工时间"
    )
    not_accepted = services.complaint_step(
        complaint=complaint, actor=service, step="close", owner_accepted=False
    )
    assert not_accepted.status == Complaint.Status.ESCALATED
    closed = services.complaint_step(
        complaint=not_accepted, actor=service, step="close", owner_accepted=False
    )
    assert closed.status == Complaint.Status.CLOSED


def test_svc_05_complaint_closes_only_with_accepted_result_in_the_database(site, service):
    complaint = services.complaint_create(
        site=site, actor=service, channel="desk", complainant_name="王五", content="x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(status="closed")


def test_svc_05_complaint_about_salesperson_is_listed_for_manager(site, service, salesperson, manager):
    from handover import selectors

    complaint = services.complaint_create(
        site=site,
        actor=service,
        channel="desk",
        complainant_name="王五",
        content="态度差",
        about_salesperson=salesperson,
    )
    assert list(selectors.salesperson_complaints(user=manager, site=site)) == [complaint]
    with pytest.raises(NotAllowed):
        services.complaint_own15_review(complaint=complaint, actor=service)
    assert services.complaint_own15_review(complaint=complaint, actor=manager).own15_reviewed_at is not None


# --- SVC-06 surveys ---


def test_svc_06_questionnaire_versions_and_low_score_follow_up(site, service):
    questions = [
        {"key": "speed", "text": "维修及时吗", "kind": "score"},
        {"key": "comment", "text": "意见", "kind": "text"},
    ]
    first = services.questionnaire_publish(site=site, actor=service, name="维修回访", questions=questions)
    second = services.questionnaire_publish(
        site=site, actor=service, name="维修回访", questions=questions[:1]
    )
    assert (first.version, second.version) == (1, 2)
    good = services.survey_response_record(
        questionnaire=first, actor=service, answers={"speed": 5, "comment": "好"}
    )
    assert good.average_score == Decimal("5.00")
    assert not good.low_score
    low = services.survey_response_record(questionnaire=first, actor=service, answers={"speed": "2"})
    assert low.low_score
    assert FollowUpTask.objects.get().survey == low
    for bad in ({"speed": 6}, {"speed": "x"}, {"unknown": 1}, {}):
        with pytest.raises(DomainError):
            services.survey_response_record(questionnaire=first, actor=service, answers=bad)


# --- SVC-07 desk, ROTA-08 shift log ---


def test_svc_07_desk_request_forwarded_as_work_order(site, service, contract):
    entry = services.desk_request_forward(
        site=site,
        actor=service,
        unit=unit_of(contract),
        person_name="张三",
        description="门锁坏了",
        category="decoration",
    )
    assert entry.work_order.source == WorkOrder.Source.DESK
    assert entry.work_order.unit_id == contract.unit_id


def test_svc_07_goods_released_only_after_owner_verified(site, service, contract):
    entry = services.desk_goods_request(
        site=site, actor=service, unit=unit_of(contract), person_name="装修工李", description="旧门窗"
    )
    with pytest.raises(Conflict):
        services.desk_goods_release(entry=entry, actor=service)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceDeskEntry.objects.filter(pk=entry.pk).update(released_at=at(1))
    services.desk_goods_verify(entry=entry, actor=service, verified_by="电话确认业主")
    assert services.desk_goods_release(entry=entry, actor=service).released_at is not None


def test_svc_07_pass_and_mail(site, service, contract):
    unit = unit_of(contract)
    with pytest.raises(DomainError):
        services.desk_pass_issue(
            site=site,
            actor=service,
            unit=unit,
            person_name="李",
            description="装修",
            valid_from=dt.date(2026, 3, 5),
            valid_until=dt.date(2026, 3, 1),
        )
    issued = services.desk_pass_issue(
        site=site,
        actor=service,
        unit=unit,
        person_name="李",
        description="装修公司",
        valid_from=dt.date(2026, 3, 1),
        valid_until=dt.date(2026, 3, 31),
    )
    assert issued.kind == ServiceDeskEntry.Kind.PASS
    mail = services.desk_mail_receive(
        site=site, actor=service, unit=unit, person_name="张三", description="EMS"
    )
    assert (
        services.desk_mail_hand_over(entry=mail, actor=service, handed_to="张三").handed_over_at is not None
    )


def test_rota_08_desk_shift_log_confirm_refuse_review(site, service, staff, manager):
    incoming = staff(Role.SERVICE, site)
    entry = services.desk_shift_write(site=site, actor=service, text="收快递3件", pending="1件待取")
    with pytest.raises(DomainError):
        services.desk_shift_answer(entry=entry, actor=service, confirm=True)
    with pytest.raises(DomainError) as error:
        services.desk_shift_answer(entry=entry, actor=incoming, confirm=False)
    assert "reason" in error.value.fields
    refused = services.desk_shift_answer(entry=entry, actor=incoming, confirm=False, reason="钥匙数目不符")
    assert refused.status == DeskShiftLog.Status.REFUSED
    with pytest.raises(NotAllowed):
        services.desk_shift_review(entry=refused, actor=incoming)
    assert services.desk_shift_review(entry=refused, actor=manager).reviewed_by == manager


def test_sec_03_work_order_steps_are_audited(site, service):
    order = _order(site, service)
    assert AuditEvent.objects.filter(action="work_order.create", object_id=str(order.pk)).exists()
