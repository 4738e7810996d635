"""The rota's services (reception/services.py): every verb allowed and refused, a refusal changing
nothing, the day's carry-over, and the register-and-finish step of the counter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from customers.models import Registration
from reception import services
from reception.exceptions import ReceptionNotOpen, RotaNotAllowed, RotaRefused, ShiftLogRefused
from reception.models import Reception, RotaDay, RotaEvent, ShiftLog
from reception.rota import RotaState
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import AuditEvent
from salesoffice.core.roles import Role
from salesoffice.core.services import policy_update

pytestmark = pytest.mark.django_db


def walk_in(site, actor, type="new", **kwargs):
    return services.rota_walk_in(site=site, actor=actor, type=type, **kwargs)


# ROTA-01 sign-in and sign-out -------------------------------------------------------------------


def test_rota_01_sign_in_order_is_the_queue_and_each_event_is_recorded(site, signed_in, queue):
    assert queue() == ["A", "B", "C", "D"]
    day = RotaDay.objects.get(site=site)
    assert day.business_date == services.business_date(site=site, now=timezone.now())
    assert list(day.events.values_list("sequence", "kind")) == [(n, "sign_in") for n in range(1, 5)]
    assert AuditEvent.objects.filter(site=site, action="rota.sign_in").count() == 4


def test_rota_01_double_sign_in_is_refused_and_changes_nothing(site, signed_in, snapshot):
    before = snapshot()
    with pytest.raises(RotaRefused) as error:
        services.rota_sign_in(site=site, actor=signed_in["A"])
    assert error.value.code == "already_signed_in"
    assert snapshot() == before


def test_rota_01_only_staff_of_the_rota_sign_in(site, staff, snapshot):
    finance = staff(Role.FINANCE, site)
    with pytest.raises(PermissionDenied):
        services.rota_sign_in(site=site, actor=finance)
    assert snapshot() == ([], 0, [])


def test_rota_01_another_site_is_not_found(site, other_site, staff, snapshot):
    stranger = staff(Role.SALESPERSON, other_site)
    with pytest.raises(Http404):
        services.rota_sign_in(site=site, actor=stranger)
    assert snapshot() == ([], 0, [])


def test_rota_05_manager_signs_a_colleague_in_with_a_reason(site, manager, people, snapshot, queue):
    with pytest.raises(RotaRefused) as error:
        services.rota_sign_in(site=site, actor=manager, salesperson=people["B"])
    assert error.value.fields == {"reason": [str(error.value.message)]}
    assert snapshot() == ([], 0, [])
    services.rota_sign_in(site=site, actor=manager, salesperson=people["B"], reason="phone battery dead")
    assert queue() == ["B"]
    assert RotaEvent.objects.get().reason == "phone battery dead"


def test_rota_01_salesperson_cannot_sign_a_colleague_in(site, people, snapshot):
    with pytest.raises(PermissionDenied):
        services.rota_sign_in(site=site, actor=people["A"], salesperson=people["B"], reason="x")
    assert snapshot() == ([], 0, [])


def test_rota_01_sign_out_leaves_the_queue_and_is_refused_while_receiving(site, signed_in, queue, snapshot):
    services.rota_sign_out(site=site, actor=signed_in["D"])
    assert queue() == ["A", "B", "C"]
    walk_in(site, signed_in["B"])  # A receives
    before = snapshot()
    with pytest.raises(RotaRefused) as error:
        services.rota_sign_out(site=site, actor=signed_in["A"])
    assert error.value.code == "reception_open"
    assert snapshot() == before


# ROTA-01 statuses ---------------------------------------------------------------------------------


def test_rota_01_own_status_change(site, signed_in):
    services.rota_status_change(
        site=site, actor=signed_in["A"], salesperson=signed_in["A"], status="on_break"
    )
    state = RotaState.from_json(RotaDay.objects.get(site=site).state)
    assert state.member(str(signed_in["A"].pk)).status == "on_break"


def test_rota_01_salesperson_changing_someone_elses_status_is_forbidden(site, signed_in, snapshot):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.rota_status_change(
            site=site, actor=signed_in["A"], salesperson=signed_in["B"], status="on_break", reason="lunch"
        )
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.MANAGER, Role.DEPUTY, Role.SUPERVISOR])
def test_rota_05_manager_or_supervisor_changes_anyones_status_with_a_reason(
    role, staff, site, signed_in, snapshot
):
    boss = staff(role, site)
    before = snapshot()
    with pytest.raises(RotaRefused) as error:
        services.rota_status_change(site=site, actor=boss, salesperson=signed_in["B"], status="on_assignment")
    assert error.value.code == "reason_required"
    assert snapshot() == before
    services.rota_status_change(
        site=site, actor=boss, salesperson=signed_in["B"], status="on_assignment", reason="bank visit"
    )
    event = RotaEvent.objects.filter(kind="status").get()
    assert event.reason == "bank visit"
    assert "ROTA-05" in event.outcome["rules"]


@pytest.mark.parametrize("status", ["receiving", "signed_out", "asleep"])
def test_rota_01_statuses_not_set_by_hand(status, site, signed_in, snapshot):
    before = snapshot()
    with pytest.raises(RotaRefused):
        services.rota_status_change(
            site=site, actor=signed_in["A"], salesperson=signed_in["A"], status=status
        )
    assert snapshot() == before


# ROTA-02..04 walk-ins -----------------------------------------------------------------------------


def test_s_rota_1_new_customer_goes_to_the_head_and_counts(site, signed_in, queue):
    result = walk_in(site, signed_in["C"])
    assert result.receiver_id == signed_in["A"].pk
    assert result.outcome.counted
    assert queue() == ["B", "C", "D", "A"]
    reception = Reception.objects.get()
    assert (reception.number, reception.receiver, reception.counted, reception.is_open) == (
        1,
        signed_in["A"],
        True,
        True,
    )


def test_s_rota_2_on_break_loses_the_turn(site, signed_in, queue):
    services.rota_status_change(
        site=site, actor=signed_in["A"], salesperson=signed_in["A"], status="on_break"
    )
    assert walk_in(site, signed_in["C"]).receiver_id == signed_in["B"].pk
    assert queue() == ["C", "D", "A", "B"]


def test_s_rota_3_make_up_once_after_own_customer(site, signed_in):
    a = signed_in["A"]
    services.rota_status_change(site=site, actor=a, salesperson=a, status="with_own_customer")
    receivers = []
    for _ in range(3):
        result = walk_in(site, signed_in["D"])
        receivers.append(result.receiver_id)
        services.rota_finish(
            site=site,
            actor=result.reception.receiver,
            reception=result.reception,
            outcome="left_before_registration",
        )
    assert receivers == [signed_in[x].pk for x in "BCD"]
    services.rota_status_change(site=site, actor=a, salesperson=a, status="available")
    made_up = walk_in(site, signed_in["D"])
    assert made_up.receiver_id == a.pk
    assert made_up.outcome.tokens_used == (str(a.pk),)
    state = RotaState.from_json(RotaDay.objects.get(site=site).state)
    assert state.token_count(str(a.pk)) == 0


def test_s_rota_4_non_customer_is_greeted_and_ends_at_once(site, signed_in, queue):
    result = walk_in(site, signed_in["B"], type="non_customer")
    assert result.receiver_id == signed_in["A"].pk
    assert not result.outcome.counted
    assert queue() == ["A", "B", "C", "D"]
    reception = result.reception
    assert reception.outcome == Reception.Outcome.NOT_A_CUSTOMER
    assert reception.ended_at is not None


def test_s_rota_6_designated_salesperson_receives_and_counts(site, signed_in, queue):
    result = walk_in(site, signed_in["A"], type="designated", named=signed_in["C"])
    assert result.receiver_id == signed_in["C"].pk
    assert queue() == ["A", "B", "D", "C"]
    assert result.reception.named == signed_in["C"]


def test_rota_02_designated_needs_the_named_salesperson(site, signed_in, snapshot):
    before = snapshot()
    with pytest.raises(RotaRefused) as error:
        walk_in(site, signed_in["A"], type="designated")
    assert "named" in error.value.fields
    assert snapshot() == before


def test_s_rota_7_waiting_walk_in_goes_to_whoever_finishes_first(site, people, queue):
    a, b = people["A"], people["B"]
    for person in (a, b):
        services.rota_sign_in(site=site, actor=person)
    first = walk_in(site, a)
    second = walk_in(site, a)
    waiting = walk_in(site, a)
    assert waiting.waiting
    assert waiting.receiver_id is None
    assert waiting.reception.started_at is None
    services.rota_finish(site=site, actor=b, reception=second.reception, outcome="left_before_registration")
    waiting.reception.refresh_from_db()
    assert waiting.reception.receiver == b
    assert waiting.reception.started_at is not None
    assert first.reception.receiver == a


def test_s_rota_8_receiving_salesperson_cannot_be_assigned_and_only_manager_transfers(
    site, signed_in, manager, supervisor, snapshot
):
    a, b = signed_in["A"], signed_in["B"]
    reception = walk_in(site, b).reception  # A receives
    before = snapshot()
    with pytest.raises(RotaRefused) as error:
        walk_in(site, manager, assigned_to=a, reason="regular of A's")
    assert error.value.code == "receiver_busy"
    assert "转交" in error.value.message  # "only the site manager may transfer", in Chinese
    assert snapshot() == before
    with pytest.raises(RotaNotAllowed):
        services.rota_transfer(
            site=site, actor=supervisor, reception=reception, target=b, reason="A is needed"
        )
    with pytest.raises(PermissionDenied):
        services.rota_transfer(site=site, actor=b, reception=reception, target=b, reason="mine")
    with pytest.raises(RotaRefused):
        services.rota_transfer(site=site, actor=manager, reception=reception, target=b, reason=" ")
    assert snapshot() == before
    services.rota_transfer(
        site=site, actor=manager, reception=reception, target=b, reason="A is called to sign a contract"
    )
    reception.refresh_from_db()
    assert reception.receiver == b
    event = RotaEvent.objects.filter(kind="transfer").get()
    assert (event.actor, event.reason) == (manager, "A is called to sign a contract")
    assert AuditEvent.objects.filter(
        action="reception.transfer", reason="A is called to sign a contract"
    ).exists()


def test_rota_05_salesperson_cannot_assign_walk_ins(site, signed_in, snapshot):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        walk_in(site, signed_in["A"], assigned_to=signed_in["C"], reason="friend")
    assert snapshot() == before


def test_rota_02_returning_customer_goes_to_owner_not_counted(site, signed_in, queue):
    result = walk_in(site, signed_in["A"], type="returning", owner=signed_in["C"])
    assert result.receiver_id == signed_in["C"].pk
    assert not result.outcome.counted
    assert queue() == ["A", "B", "C", "D"]


def test_rota_07_stand_in_records_for_the_absent_owner(site, signed_in, staff):
    absent_owner = staff(Role.SALESPERSON, site)
    result = walk_in(site, signed_in["A"], type="returning", owner=absent_owner)
    assert result.receiver_id == signed_in["D"].pk  # the duty assistant, last in the queue
    assert result.reception.for_owner == absent_owner


# ROTA-05 finishing --------------------------------------------------------------------------------


def test_rota_05_finish_ends_the_reception_and_frees_the_receiver(site, signed_in):
    reception = walk_in(site, signed_in["B"]).reception
    services.rota_finish(site=site, actor=signed_in["A"], reception=reception, outcome="not_a_customer")
    reception.refresh_from_db()
    assert reception.outcome == "not_a_customer"
    assert reception.ended_at is not None
    state = RotaState.from_json(RotaDay.objects.get(site=site).state)
    assert state.member(str(signed_in["A"].pk)).status == "available"


def test_rota_05_finishing_a_reception_that_is_not_open_is_refused(site, signed_in, snapshot):
    reception = walk_in(site, signed_in["B"]).reception
    services.rota_finish(site=site, actor=signed_in["A"], reception=reception, outcome="not_a_customer")
    before = snapshot()
    with pytest.raises(ReceptionNotOpen):
        services.rota_finish(site=site, actor=signed_in["A"], reception=reception, outcome="not_a_customer")
    assert snapshot() == before


def test_rota_05_registered_outcome_needs_a_registration(site, signed_in, snapshot):
    reception = walk_in(site, signed_in["B"]).reception
    before = snapshot()
    with pytest.raises(RotaRefused) as error:
        services.rota_finish(site=site, actor=signed_in["A"], reception=reception, outcome="registered")
    assert "registration" in error.value.fields
    assert snapshot() == before


def test_rota_05_salesperson_cannot_finish_a_colleagues_reception(site, signed_in, snapshot):
    reception = walk_in(site, signed_in["B"]).reception
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.rota_finish(site=site, actor=signed_in["B"], reception=reception, outcome="not_a_customer")
    assert snapshot() == before


def test_rota_05_p3_register_ends_the_reception_in_one_transaction(site, signed_in):
    a = signed_in["A"]
    reception = walk_in(site, a).reception
    registration = services.reception_register(
        site=site,
        actor=a,
        reception=reception,
        name="张三",
        gender="male",
        phones=["13812345678"],
        needs={"budget": "2000000"},
        level="B",
        source="walk_in",
        notice_version="2026-01",
    )
    reception.refresh_from_db()
    assert reception.outcome == "registered"
    assert reception.registration == registration
    assert reception.customer_id == registration.customer_id
    assert registration.salesperson == a


def test_rota_05_refused_registration_leaves_the_reception_open(site, signed_in, snapshot):
    a = signed_in["A"]
    reception = walk_in(site, a).reception
    before = snapshot()
    with pytest.raises(DomainError) as error:
        services.reception_register(
            site=site, actor=a, reception=reception, name="", gender="male", phones=["12"], needs={},
            level="B", source="walk_in", notice_version="2026-01",
        )  # fmt: skip
    assert error.value.fields
    assert snapshot() == before
    assert Registration.objects.count() == 0


# ROTA-01, ROTA-05 reorder and plan ----------------------------------------------------------------


def test_rota_05_reorder_needs_adjust_rights_a_reason_and_the_same_people(
    site, signed_in, supervisor, snapshot, queue
):
    a, b, c, d = (signed_in[x] for x in "ABCD")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.rota_reorder(site=site, actor=a, order=[d, c, b, a], reason="me last")
    with pytest.raises(RotaRefused):
        services.rota_reorder(site=site, actor=supervisor, order=[d, c, b], reason="drop A")
    with pytest.raises(RotaRefused):
        services.rota_reorder(site=site, actor=supervisor, order=[d, c, b, a], reason="")
    assert snapshot() == before
    services.rota_reorder(
        site=site, actor=supervisor, order=[d, c, b, a], reason="yesterday's late shift first"
    )
    assert queue() == ["D", "C", "B", "A"]


def test_rota_01_option_b_manager_order_set_in_advance(site, people, manager, queue):
    policy_update(site=site, actor=manager, changes={"order_source": "manager_order"}, reason="test")
    today = services.business_date(site=site, now=timezone.now())
    services.rota_plan_set(
        site=site, actor=manager, date=today, order=[people[x] for x in "CADB"], reason="weekly plan"
    )
    for letter in "ABCD":
        services.rota_sign_in(site=site, actor=people[letter])
    assert queue() == ["C", "A", "D", "B"]
    with pytest.raises(RotaRefused):
        services.rota_plan_set(site=site, actor=manager, date=today, order=[people["A"]], reason="late")


def test_rota_01_option_c_continues_yesterday_and_tokens_expire_daily(site, people, manager):
    policy_update(site=site, actor=manager, changes={"order_source": "continue_yesterday"}, reason="test")
    yesterday = timezone.now() - dt.timedelta(days=1)
    a, b, c, d = (people[x] for x in "ABCD")
    for person in (a, b, c, d):
        services.rota_sign_in(site=site, actor=person, now=yesterday)
    services.rota_status_change(site=site, actor=a, salesperson=a, status="with_own_customer", now=yesterday)
    walk_in(site, b, now=yesterday)  # B receives, A gets a make-up token
    for person in (a, c, d):
        services.rota_sign_out(site=site, actor=person, now=yesterday)
    # B stopped the day; tomorrow starts after B: C, D, A, B.
    for person in (a, b, c, d):
        services.rota_sign_in(site=site, actor=person)
    today = RotaDay.objects.get(
        site=site, business_date=services.business_date(site=site, now=timezone.now())
    )
    state = RotaState.from_json(today.state)
    assert state.queue == tuple(str(p.pk) for p in (c, d, a, b))
    assert state.tokens == ()


def test_rota_04_make_up_tokens_carried_when_they_do_not_expire(site, people, manager):
    policy_update(site=site, actor=manager, changes={"makeup_expires_daily": False}, reason="test")
    yesterday = timezone.now() - dt.timedelta(days=1)
    a, b = people["A"], people["B"]
    for person in (a, b):
        services.rota_sign_in(site=site, actor=person, now=yesterday)
    services.rota_status_change(site=site, actor=a, salesperson=a, status="on_assignment", now=yesterday)
    walk_in(site, b, now=yesterday)
    services.rota_sign_in(site=site, actor=a)
    today = RotaDay.objects.get(
        site=site, business_date=services.business_date(site=site, now=timezone.now())
    )
    assert RotaState.from_json(today.state).tokens == (str(a.pk),)


# ROTA-05 alerts and ROTA-08 shift log -------------------------------------------------------------


def test_rota_05_open_reception_alert_is_sent_once_per_manager(site, signed_in, manager):
    from salesoffice.core.models import Notification

    walk_in(site, signed_in["B"])
    later = timezone.now() + dt.timedelta(hours=3, minutes=1)
    assert services.reception_open_alerts_send(site=site, now=timezone.now()) == 0
    assert services.reception_open_alerts_send(site=site, now=later) == 1
    assert services.reception_open_alerts_send(site=site, now=later) == 0
    assert Notification.objects.filter(recipient=manager, kind="rota.open_reception").count() == 1


def test_rota_08_shift_log_confirm_refuse_review(site, people, manager, snapshot):
    a, b = people["A"], people["B"]
    entry = services.shift_log_create(
        site=site, actor=a, text="Two callers promised to come", pending="Call 王 back"
    )
    with pytest.raises(ShiftLogRefused) as error:
        services.shift_log_answer(site=site, actor=a, entry=entry, confirm=True)
    assert error.value.code == "own_entry"
    with pytest.raises(ShiftLogRefused) as error:
        services.shift_log_answer(site=site, actor=b, entry=entry, confirm=False)
    assert "reason" in error.value.fields
    entry.refresh_from_db()
    assert entry.status == ShiftLog.Status.PENDING
    services.shift_log_answer(
        site=site, actor=b, entry=entry, confirm=False, reason="pending list incomplete"
    )
    entry.refresh_from_db()
    assert (entry.status, entry.incoming, entry.refusal_reason) == ("refused", b, "pending list incomplete")
    with pytest.raises(PermissionDenied):
        services.shift_log_review(site=site, actor=b, entry=entry)
    services.shift_log_review(site=site, actor=manager, entry=entry)
    entry.refresh_from_db()
    assert entry.reviewed_by == manager
    assert entry.reviewed_at is not None


def test_rota_09_fairness_counts_the_receptions_that_converted(site, signed_in):
    """ROTA-09: the conversions of each salesperson's received customers (a deposit or beyond)."""
    from customers.services import customer_stage_set
    from reception.selectors import fairness_report

    a = signed_in["A"]
    reception = services.rota_walk_in(site=site, actor=a, type="new").reception
    registration = services.reception_register(
        site=site, actor=reception.receiver, reception=reception, name="张三", gender="male",
        phones=["13812345678"], needs={"budget": "2000000"}, level="B", source="walk_in", notice_version="2026-01",
    )  # fmt: skip
    customer_stage_set(customer=registration.customer, stage="deposited")
    today = reception.day.business_date
    report = fairness_report(site=site, date_from=today, date_to=today)
    [person] = [person for person in report.people if person.user_id == reception.receiver_id]
    assert (person.receptions, person.registered, person.converted) == (1, 1, 1)
