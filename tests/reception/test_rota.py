"""The reception rota engine (reception/rota.py): ROTA-01..07, ROTA-09 and the S-ROTA scenarios."""

import datetime as dt
import json

import pytest

from reception.rota import (
    Actor,
    Finish,
    Reorder,
    Role,
    RotaError,
    RotaState,
    SignIn,
    SignOut,
    SkipOutcome,
    SkipReason,
    Status,
    StatusChange,
    Transfer,
    WalkIn,
    WalkInType,
    apply,
    day_start,
    duty_assistant,
    fairness_figures,
    initial_queue,
    open_reception_alerts,
    phone_duty,
    replay,
    up_next,
)
from salesoffice.core.policy import Policy

MANAGER = Actor(name="M", role=Role.MANAGER)
SUPERVISOR = Actor(name="S", role=Role.SUPERVISOR)
DAY = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def at(hour: int, minute: int = 0) -> dt.datetime:
    return DAY.replace(hour=hour, minute=minute)


def rota(*names, policy=None, teams=None):
    """A day where ``names`` signed in in that order, all available."""
    teams = teams or {}
    state, _ = replay(RotaState(), [SignIn(who=n, team=teams.get(n)) for n in names], policy or Policy())
    return state


def run(state, *events, policy=None):
    return replay(state, events, policy or Policy())


def new(**fields):
    return WalkIn(type=WalkInType.NEW, **fields)


def status(who, value, **fields):
    return StatusChange(who=who, status=Status(value), **fields)


def skips(outcome):
    return [(s.who, s.reason, s.outcome) for s in outcome.skipped]


# ROTA-01: the model -------------------------------------------------------------------------


def test_s_rota_1_new_walk_in_goes_to_head_and_head_moves_back():
    """S-ROTA-1 (ROTA-01, ROTA-02)."""
    state = rota("A", "B", "C", "D")

    state, (outcome,) = run(state, new())

    assert outcome.receiver == "A"
    assert outcome.counted is True
    assert state.queue == ("B", "C", "D", "A")
    assert state.member("A").turns == 1
    assert outcome.rules == ("ROTA-02",)


def test_rota_01_option_a_queue_is_sign_in_order():
    assert initial_queue(Policy(), sign_ins=["C", "A", "B"], manager_order=["A", "B", "C"]) == ("C", "A", "B")


def test_rota_01_option_b_manager_order_places_sign_ins_by_the_plan():
    policy = Policy(order_source="manager_order")

    queue = initial_queue(policy, sign_ins=["C", "E", "A"], manager_order=["A", "B", "C", "D"])

    assert queue == ("A", "C", "E")


def test_rota_01_option_b_late_planned_salesperson_goes_before_later_planned_not_yet_received():
    policy = Policy(order_source="manager_order")
    state = day_start(policy, manager_order=["A", "B", "C", "D"])
    state, _ = run(state, SignIn(who="A"), SignIn(who="C"), SignIn(who="D"), new(), policy=policy)
    assert state.queue == ("C", "D", "A")

    state, _ = run(state, SignIn(who="B"), policy=policy)

    assert state.queue == ("B", "C", "D", "A")


def test_rota_01_option_c_continues_after_yesterdays_stop_point():
    """ROTA-01 C: "当天下班轮到4,则第二天上班时从5开始"."""
    policy = Policy(order_source="continue_yesterday")

    queue = initial_queue(
        policy, sign_ins=["A", "B", "C", "E", "F"], yesterday_queue=["A", "B", "C", "D", "E"], stopped_at="D"
    )

    assert queue == ("E", "A", "B", "C", "F")


def test_rota_01_option_c_without_stop_point_keeps_yesterdays_final_queue():
    policy = Policy(order_source="continue_yesterday")

    assert initial_queue(policy, sign_ins=["A", "B", "C"], yesterday_queue=["C", "A", "B"]) == ("C", "A", "B")


def test_rota_01_sign_in_twice_is_refused():
    state = rota("A")

    with pytest.raises(RotaError) as error:
        apply(state, SignIn(who="A"), Policy())

    assert error.value.code == "already_signed_in"


def test_rota_01_signed_out_salesperson_leaves_the_queue_and_receives_nothing():
    state = rota("A", "B")

    state, (_, outcome) = run(state, SignOut(who="A"), new())

    assert state.queue == ("B",)
    assert state.member("A").status is Status.SIGNED_OUT
    assert outcome.receiver == "B"
    assert outcome.skipped == ()


def test_rota_01_signing_in_again_keeps_the_days_turns_and_joins_at_the_back():
    state = rota("A", "B")
    state, _ = run(state, new(stays=False), SignOut(who="A"), SignIn(who="A"))

    assert state.queue == ("B", "A")
    assert state.member("A").turns == 1


def test_rota_01_salesperson_may_change_only_their_own_status():
    state = rota("A", "B")

    with pytest.raises(RotaError) as error:
        apply(state, status("A", "on_break", by=Actor(name="B")), Policy())

    assert error.value.code == "not_allowed"
    assert state.member("A").status is Status.AVAILABLE


def test_rota_01_salesperson_changes_own_status():
    state = rota("A", "B")

    state, (outcome,) = run(state, status("A", "on_break", by=Actor(name="A"), at=at(12)))

    assert state.member("A").status is Status.ON_BREAK
    assert state.member("A").since == at(12)
    assert outcome.rules == ("ROTA-01",)


@pytest.mark.parametrize("actor", [MANAGER, SUPERVISOR])
def test_rota_01_rota_05_manager_or_supervisor_changes_status_with_a_reason(actor):
    state = rota("A", "B")

    state, (outcome,) = run(state, status("A", "on_assignment", by=actor, reason="bank visit"))

    assert state.member("A").status is Status.ON_ASSIGNMENT
    assert outcome.rules == ("ROTA-01", "ROTA-05")


def test_rota_05_manager_status_change_without_reason_is_refused():
    state = rota("A")

    with pytest.raises(RotaError) as error:
        apply(state, status("A", "on_break", by=MANAGER, reason=" "), Policy())

    assert error.value.code == "reason_required"


@pytest.mark.parametrize("value", ["receiving", "signed_out"])
def test_rota_01_receiving_and_signed_out_are_not_set_by_hand(value):
    with pytest.raises(RotaError) as error:
        apply(rota("A"), status("A", value), Policy())

    assert error.value.code == "invalid_status"


def test_rota_01_unknown_salesperson_is_refused():
    with pytest.raises(RotaError) as error:
        apply(rota("A"), status("Z", "on_break"), Policy())

    assert error.value.code == "unknown_salesperson"


def test_rota_01_duty_assistant_is_last_in_queue():
    state = rota("A", "B", "C")
    assert duty_assistant(state) == "C"

    state, _ = run(state, new())

    assert duty_assistant(state) == "A"
    assert duty_assistant(RotaState()) is None


# ROTA-02: who receives a walk-in --------------------------------------------------------------


def test_s_rota_6_designated_counts_by_default():
    """S-ROTA-6 (ROTA-02 designated, option A counts)."""
    state = rota("A", "B", "C", "D")

    state, (outcome,) = run(state, WalkIn(type=WalkInType.DESIGNATED, named="C"))

    assert outcome.receiver == "C"
    assert outcome.counted is True
    assert state.queue == ("A", "B", "D", "C")


def test_rota_02_designated_counts_if_up_next_when_named_is_up_next():
    policy = Policy(designated_turn="counts_if_up_next")
    state = rota("A", "B", "C", policy=policy)

    state, (outcome,) = run(state, WalkIn(type=WalkInType.DESIGNATED, named="A"), policy=policy)

    assert (outcome.receiver, outcome.counted) == ("A", True)
    assert state.queue == ("B", "C", "A")


def test_rota_02_designated_counts_if_up_next_leaves_queue_when_named_is_not_up_next():
    """ "指定售楼员在排班上的接待顺序不变;如正轮到该售楼员接待,则计为轮过"."""
    policy = Policy(designated_turn="counts_if_up_next")
    state = rota("A", "B", "C", policy=policy)

    state, (outcome,) = run(state, WalkIn(type=WalkInType.DESIGNATED, named="C"), policy=policy)

    assert (outcome.receiver, outcome.counted) == ("C", False)
    assert state.queue == ("A", "B", "C")
    assert state.turns == 0


def test_rota_02_designated_never_counts():
    policy = Policy(designated_turn="never")
    state = rota("A", "B", "C", policy=policy)

    state, (outcome,) = run(state, WalkIn(type=WalkInType.DESIGNATED, named="A"), policy=policy)

    assert (outcome.receiver, outcome.counted) == ("A", False)
    assert state.queue == ("A", "B", "C")


@pytest.mark.parametrize("absence", ["busy", "on_break", "not_signed_in"])
def test_rota_02_designated_absent_or_busy_goes_to_head_and_counts(absence):
    state = rota("A", "B", "C", "D")
    if absence == "busy":
        state, _ = run(state, WalkIn(type=WalkInType.DESIGNATED, named="C"))
        assert state.member("C").status is Status.RECEIVING
    elif absence == "on_break":
        state, _ = run(state, status("C", "on_break"))
    named = "E" if absence == "not_signed_in" else "C"

    state, (outcome,) = run(state, WalkIn(type=WalkInType.DESIGNATED, named=named))

    assert (outcome.receiver, outcome.counted) == ("A", True)
    assert state.queue[-1] == "A"


def test_rota_02_returning_customer_goes_to_present_owner_and_does_not_count():
    state = rota("A", "B", "C")

    state, (outcome,) = run(state, WalkIn(type=WalkInType.RETURNING, owner="B"))

    assert (outcome.receiver, outcome.counted) == ("B", False)
    assert state.queue == ("A", "B", "C")
    assert state.member("B").status is Status.WITH_OWN_CUSTOMER


@pytest.mark.parametrize("absence", ["absent", "busy"])
def test_rota_02_rota_07_returning_owner_absent_or_busy_duty_assistant_stands_in(absence):
    state = rota("A", "B", "C", "D")
    if absence == "busy":
        state, _ = run(state, WalkIn(type=WalkInType.DESIGNATED, named="B"))  # queue A, C, D, B
    else:
        state, _ = run(state, SignOut(who="B"))
    assistant = duty_assistant(state) if absence == "absent" else "D"

    state, (outcome,) = run(state, WalkIn(type=WalkInType.RETURNING, owner="B"))

    assert outcome.receiver == assistant
    assert outcome.counted is False
    assert outcome.reception.for_owner == "B"
    assert state.member(assistant).reception.for_owner == "B"
    assert outcome.rules == ("ROTA-02", "ROTA-07")


def test_rota_02_returning_stand_in_turn_counted_option():
    policy = Policy(returning_standin_turn="counted")
    state = rota("A", "B", "C", "D", policy=policy)
    state, _ = run(state, SignOut(who="B"), policy=policy)

    state, (outcome,) = run(state, WalkIn(type=WalkInType.RETURNING, owner="B"), policy=policy)

    assert (outcome.receiver, outcome.counted) == ("D", True)
    assert state.member("D").turns == 1
    assert state.queue == ("A", "C", "D")


def test_rota_07_stand_in_is_the_colleague_the_owner_delegated():
    state = rota("A", "B", "C", "D")
    state, _ = run(state, SignOut(who="B"))

    _, (outcome,) = run(state, WalkIn(type=WalkInType.RETURNING, owner="B", delegate="A"))

    assert outcome.receiver == "A"


def test_rota_07_with_teams_a_free_member_of_the_owners_team_stands_in_first():
    teams = {"A": "red", "B": "red", "C": "blue", "D": "blue"}
    state = rota("A", "B", "C", "D", teams=teams)
    state, _ = run(state, status("B", "on_assignment"))

    _, (outcome,) = run(state, WalkIn(type=WalkInType.RETURNING, owner="B"))

    assert outcome.receiver == "A"


def test_rota_07_with_teams_another_team_stands_in_when_owners_team_is_busy():
    teams = {"A": "red", "B": "red", "C": "blue", "D": "blue"}
    state = rota("A", "B", "C", "D", teams=teams)
    state, _ = run(state, status("B", "on_assignment"), status("A", "on_break"))

    _, (outcome,) = run(state, WalkIn(type=WalkInType.RETURNING, owner="B"))

    assert outcome.receiver == "D"


def test_rota_07_busy_duty_assistant_next_free_salesperson_from_the_back_stands_in():
    state = rota("A", "B", "C", "D")
    state, _ = run(state, status("B", "on_break"), status("D", "on_assignment"))

    _, (outcome,) = run(state, WalkIn(type=WalkInType.RETURNING, owner="B"))

    assert outcome.receiver == "C"


def test_rota_02_deposit_visit_goes_to_owner_without_a_turn():
    state = rota("A", "B")

    state, (outcome,) = run(state, WalkIn(type=WalkInType.DEPOSIT_VISIT, owner="B"))

    assert (outcome.receiver, outcome.counted) == ("B", False)
    assert state.queue == ("A", "B")


def test_rota_02_deposit_visit_owner_absent_colleague_helps_voluntarily_never_counted():
    policy = Policy(returning_standin_turn="counted")
    state = rota("A", "B", "C", policy=policy)
    state, _ = run(state, SignOut(who="B"), policy=policy)

    state, (outcome,) = run(state, WalkIn(type=WalkInType.DEPOSIT_VISIT, owner="B"), policy=policy)

    assert (outcome.receiver, outcome.counted) == ("C", False)
    assert outcome.reception.for_owner == "B"
    assert state.turns == 0


def test_rota_02_referred_customer_counts_for_the_assignee():
    state = rota("A", "B", "C")

    state, (outcome,) = run(state, WalkIn(type=WalkInType.REFERRED, assigned_to="C"))

    assert (outcome.receiver, outcome.counted) == ("C", True)
    assert state.queue == ("A", "B", "C")
    assert state.member("C").turns == 1


def test_rota_02_referred_assignee_busy_or_none_goes_to_head():
    state = rota("A", "B", "C")
    state, _ = run(state, status("C", "on_break"))

    state, outcomes = run(
        state,
        WalkIn(type=WalkInType.REFERRED, assigned_to="C", stays=False),
        WalkIn(type=WalkInType.REFERRED),
    )

    assert [(o.receiver, o.counted) for o in outcomes] == [("A", True), ("B", True)]


def test_s_rota_5_group_is_one_receiver_one_turn():
    """S-ROTA-5 (ROTA-02 group): "不论几个人有购房需求,一律只计算一次轮排"."""
    state = rota("A", "B", "C", "D")

    state, (outcome,) = run(state, WalkIn(type=WalkInType.GROUP))

    assert (outcome.receiver, outcome.counted) == ("A", True)
    assert state.turns == 1
    assert state.queue == ("B", "C", "D", "A")


def test_rota_02_on_behalf_of_a_friend_counts():
    state = rota("A", "B")

    state, (outcome,) = run(state, WalkIn(type=WalkInType.ON_BEHALF))

    assert (outcome.receiver, outcome.counted) == ("A", True)
    assert state.queue == ("B", "A")


def test_s_rota_4_non_customer_is_greeted_by_head_queue_unchanged():
    """S-ROTA-4 (ROTA-02 non-customer)."""
    state = rota("A", "B", "C", "D")

    state, (outcome,) = run(state, WalkIn(type=WalkInType.NON_CUSTOMER, stays=False))

    assert (outcome.receiver, outcome.counted) == ("A", False)
    assert state.queue == ("A", "B", "C", "D")
    assert state.turns == 0
    assert state.member("A").status is Status.AVAILABLE


def test_rota_02_non_customer_greeted_by_first_available_without_skips():
    state = rota("A", "B")
    state, _ = run(state, status("A", "on_break"))

    state, (outcome,) = run(state, WalkIn(type=WalkInType.NON_CUSTOMER))

    assert outcome.receiver == "B"
    assert outcome.skipped == ()
    assert state.queue == ("A", "B")


def test_rota_02_peer_counts_by_default():
    state = rota("A", "B")

    state, (outcome,) = run(state, WalkIn(type=WalkInType.PEER))

    assert (outcome.receiver, outcome.counted) == ("A", True)
    assert state.queue == ("B", "A")


def test_rota_02_peer_does_not_count_under_option_b():
    policy = Policy(peer_counts=False)
    state = rota("A", "B", policy=policy)

    state, (outcome,) = run(state, WalkIn(type=WalkInType.PEER), policy=policy)

    assert (outcome.receiver, outcome.counted) == ("A", False)
    assert state.queue == ("A", "B")


def test_rota_02_tour_group_arranged_by_team_manager_head_keeps_position():
    state = rota("A", "B", "C")

    state, outcomes = run(
        state, WalkIn(type=WalkInType.TOUR_GROUP), WalkIn(type=WalkInType.TOUR_GROUP, receiver="C")
    )

    assert [(o.receiver, o.counted) for o in outcomes] == [(None, False), ("C", False)]
    assert state.queue == ("A", "B", "C")
    assert state.member("C").status is Status.RECEIVING


def test_s_rota_7_waiting_walk_in_goes_to_first_salesperson_to_become_available():
    """S-ROTA-7 (ROTA-02 waiting list)."""
    state = rota("A", "B")
    state, _ = run(state, new(at=at(10)), new(at=at(10, 5)))
    assert state.member("A").status is Status.RECEIVING
    assert state.member("B").status is Status.RECEIVING

    state, (waiting,) = run(state, new(at=at(10, 10)))
    assert waiting.receiver is None
    assert waiting.waiting is True
    assert [w.number for w in state.waiting] == [3]

    state, (finish,) = run(state, Finish(who="B", at=at(10, 30)))

    (handed,) = finish.assigned
    assert (handed.walk_in, handed.receiver, handed.counted) == (3, "B", True)
    assert handed.received_at - handed.arrived_at == dt.timedelta(minutes=20)
    assert finish.receiver is None
    assert state.waiting == ()
    assert state.member("B").turns == 2
    assert state.member("B").reception.walk_in == 3


def test_rota_02_waiting_walk_ins_are_handed_over_oldest_first():
    state = rota("A")
    state, _ = run(state, new(), new(), WalkIn(type=WalkInType.NON_CUSTOMER))
    assert [w.number for w in state.waiting] == [2, 3]

    state, (first,) = run(state, Finish(who="A"))
    state, (second,) = run(state, Finish(who="A"))

    assert [r.walk_in for r in first.assigned + second.assigned] == [2, 3]
    assert state.waiting == ()


def test_rota_02_waiting_walk_in_goes_to_salesperson_back_from_break():
    state = rota("A", "B")
    state, _ = run(state, status("A", "on_break"), new())
    state, _ = run(state, new())
    assert len(state.waiting) == 1

    state, (outcome,) = run(state, status("A", "available"))

    assert outcome.assigned[0].receiver == "A"


def test_rota_02_waiting_walk_ins_that_end_at_once_are_all_settled_by_one_freed_salesperson():
    state = rota("A")
    state, _ = run(state, new(), new(stays=False), new(stays=False))

    state, (outcome,) = run(state, Finish(who="A"))

    assert [r.walk_in for r in outcome.assigned] == [2, 3]
    assert state.member("A").turns == 3


# ROTA-03 / ROTA-04: skips and make-up turns -------------------------------------------------


def test_s_rota_2_on_break_loses_the_turn():
    """S-ROTA-2 (ROTA-03 lose): "自动轮空一次"."""
    state = rota("A", "B", "C", "D")
    state, _ = run(state, status("A", "on_break"))

    state, (outcome,) = run(state, new())

    assert outcome.receiver == "B"
    assert skips(outcome) == [("A", SkipReason.ON_BREAK, SkipOutcome.LOSE)]
    assert outcome.rules == ("ROTA-02", "ROTA-03")
    assert state.queue == ("C", "D", "A", "B")

    state, (_, after) = run(state, status("A", "available"), new())

    assert state.token_count("A") == 0
    assert after.receiver == "C"


def test_s_rota_3_with_own_customer_makes_up_once():
    """S-ROTA-3 (ROTA-03 make-up once): "只排一次优先补接"."""
    state = rota("A", "B", "C", "D")
    state, _ = run(state, WalkIn(type=WalkInType.RETURNING, owner="A"))
    assert state.member("A").status is Status.WITH_OWN_CUSTOMER

    state, outcomes = run(state, new(stays=False), new(stays=False), new(stays=False))

    assert [o.receiver for o in outcomes] == ["B", "C", "D"]
    assert skips(outcomes[0]) == [("A", SkipReason.WITH_OWN_CUSTOMER, SkipOutcome.MAKEUP)]
    assert state.token_count("A") == 1

    state, (_, makeup) = run(state, Finish(who="A"), new(stays=False))

    assert makeup.receiver == "A"
    assert makeup.tokens_used == ("A",)
    assert makeup.rules == ("ROTA-02", "ROTA-04")
    assert state.token_count("A") == 0
    assert state.queue[-1] == "A"


def test_rota_03_make_up_once_caps_at_one_token_however_many_turns_missed():
    state = rota("A", "B")
    state, _ = run(state, status("A", "with_own_customer"))

    state, outcomes = run(state, new(stays=False), new(stays=False), new(stays=False))

    assert all(skips(o) == [("A", SkipReason.WITH_OWN_CUSTOMER, SkipOutcome.MAKEUP)] for o in outcomes)
    assert state.token_count("A") == 1


def test_rota_03_make_up_each_gives_one_token_per_missed_turn():
    """ROTA-03 make-up each: "空几轮,补接几名新客户"."""
    policy = Policy(makeup_with_own_customer="each")
    state = rota("A", "B", "C", policy=policy)
    state, _ = run(state, status("A", "with_own_customer"), policy=policy)

    state, _ = run(state, *[new(stays=False) for _ in range(6)], policy=policy)
    assert state.token_count("A") == 3

    state, outcomes = run(
        state, status("A", "available"), *[new(stays=False) for _ in range(4)], policy=policy
    )

    assert [o.receiver for o in outcomes[1:]] == ["A", "A", "A", "B"]
    assert state.tokens == ()


def test_rota_03_back_of_unreceived_with_own_customer():
    """ROTA-03: "接待完成后自动排到未接销售人员末位"."""
    policy = Policy(makeup_with_own_customer="back_of_unreceived")
    state = rota("A", "B", "C", "D", policy=policy)
    state, _ = run(state, status("A", "with_own_customer"), policy=policy)

    state, outcomes = run(state, *[new(stays=False) for _ in range(5)], policy=policy)
    assert [o.receiver for o in outcomes] == ["B", "C", "D", "B", "C"]
    assert skips(outcomes[0]) == [("A", SkipReason.WITH_OWN_CUSTOMER, SkipOutcome.BACK_OF_UNRECEIVED)]
    assert outcomes[0].rules == ("ROTA-02", "ROTA-03", "ROTA-04")
    assert state.queue == ("D", "A", "B", "C")
    assert state.tokens == ()

    state, _ = run(state, status("A", "available"), policy=policy)

    assert state.queue == ("A", "D", "B", "C")


def test_rota_03_back_of_unreceived_stays_behind_those_not_yet_received():
    policy = Policy(makeup_on_assignment="back_of_unreceived")
    state = rota("A", "B", "C", "D", policy=policy)
    state, _ = run(state, status("A", "on_assignment"), new(stays=False), policy=policy)
    assert state.queue == ("C", "D", "A", "B")

    state, _ = run(state, status("A", "available"), policy=policy)

    assert state.queue == ("C", "D", "A", "B")
    assert state.member("A").pending_since_turn is None


@pytest.mark.parametrize(("option", "tokens"), [("once", 1), ("each", 2), ("back_of_unreceived", 0)])
def test_rota_03_on_assignment_options(option, tokens):
    """ROTA-03 on_assignment: "因公事轮空的…可优先补接新客户一次"."""
    policy = Policy(makeup_on_assignment=option)
    state = rota("A", "B", policy=policy)
    state, _ = run(state, status("A", "on_assignment", by=MANAGER, reason="land bureau"), policy=policy)

    state, outcomes = run(state, new(stays=False), new(stays=False), policy=policy)

    assert [o.receiver for o in outcomes] == ["B", "B"]
    assert outcomes[0].skipped[0].reason is SkipReason.ON_ASSIGNMENT
    assert state.token_count("A") == tokens


@pytest.mark.parametrize(("option", "tokens"), [("once", 1), ("each", 3)])
def test_rota_03_receiving_a_customer_that_did_not_count_makes_up(option, tokens):
    policy = Policy(makeup_receiving_uncounted=option)
    state = rota("A", "B", "C", policy=policy)
    state, _ = run(state, SignOut(who="C"), WalkIn(type=WalkInType.RETURNING, owner="C"), policy=policy)
    assert state.member("B").status is Status.RECEIVING

    state, outcomes = run(state, *[new(stays=False) for _ in range(4)], policy=policy)

    assert [o.receiver for o in outcomes] == ["A", "A", "A", "A"]
    assert [skips(o) for o in outcomes[1:]] == [[("B", SkipReason.RECEIVING, SkipOutcome.MAKEUP)]] * 3
    assert state.token_count("B") == tokens


def test_rota_03_receiving_own_counted_customer_loses_the_turn():
    state = rota("A", "B")
    state, _ = run(state, new(), new(stays=False))
    assert state.queue == ("A", "B")

    state, (outcome,) = run(state, new(stays=False))

    assert skips(outcome) == [("A", SkipReason.RECEIVING_COUNTED, SkipOutcome.LOSE)]
    assert state.token_count("A") == 0


def test_rota_03_refusing_or_picking_a_customer_loses_and_records_a_violation():
    """ROTA-03: "视作轮空处理不再补接"."""
    state = rota("A", "B", "C")

    state, (outcome,) = run(state, new(refused_by=("A",)))

    assert outcome.receiver == "B"
    assert skips(outcome) == [("A", SkipReason.REFUSED, SkipOutcome.LOSE)]
    assert [(v.who, v.code, v.walk_in) for v in outcome.violations] == [("A", "refused_customer", 1)]
    assert state.queue == ("C", "A", "B")
    assert state.token_count("A") == 0


def test_rota_03_signed_out_is_not_in_the_queue_so_not_skipped():
    state = rota("A", "B")
    state, (_, outcome) = run(state, SignOut(who="A"), new())

    assert outcome.skipped == ()


def test_rota_04_token_waits_until_holder_is_available_and_only_counted_walk_ins_use_it():
    state = rota("A", "B", "C")
    state, _ = run(state, status("A", "with_own_customer"), new(stays=False))
    assert state.token_count("A") == 1

    state, outcomes = run(
        state, new(stays=False), status("A", "available"), WalkIn(type=WalkInType.NON_CUSTOMER, stays=False)
    )

    assert outcomes[0].receiver == "C"
    assert outcomes[2].tokens_used == ()
    assert state.token_count("A") == 1
    assert up_next(state) == "A"


def test_rota_04_earliest_credited_holder_uses_their_token_first():
    state = rota("A", "B", "C", "D")
    state, _ = run(state, status("B", "on_assignment"), new(stays=False))  # B credited
    state, _ = run(state, status("C", "with_own_customer"), new(stays=False))  # C credited
    assert state.tokens == ("B", "C")

    state, outcomes = run(state, status("C", "available"), status("B", "available"), new(stays=False))

    assert outcomes[-1].receiver == "B"
    assert state.tokens == ("C",)


def test_rota_04_tokens_expire_daily_by_default_and_carry_over_when_allowed():
    assert day_start(Policy(), carried_tokens=["A"]).tokens == ()
    assert day_start(Policy(makeup_expires_daily=False), carried_tokens=["A", "A"]).tokens == ("A", "A")


# ROTA-05: conduct -----------------------------------------------------------------------------


def test_s_rota_8_receiving_salesperson_cannot_be_assigned_and_only_manager_transfers():
    """S-ROTA-8 (ROTA-05): "不得以任何理由中断正在接待的客户而转接其它客户"."""
    state = rota("A", "B", "C")
    state, _ = run(state, new(at=at(10)))
    assert state.member("A").status is Status.RECEIVING

    with pytest.raises(RotaError) as busy:
        apply(state, new(assigned_to="A", by=MANAGER, reason="knows the family"), Policy())
    assert busy.value.code == "receiver_busy"
    assert "only the site manager can transfer" in busy.value.message

    for actor, reason, code in [
        (Actor(name="A"), "swap", "manager_only"),
        (SUPERVISOR, "swap", "manager_only"),
        (MANAGER, "", "reason_required"),
    ]:
        with pytest.raises(RotaError) as refused:
            apply(state, Transfer(source="A", target="B", by=actor, reason=reason), Policy())
        assert refused.value.code == code

    after, (outcome,) = run(
        state, Transfer(source="A", target="B", by=MANAGER, reason="A called away", at=at(10, 20))
    )

    assert outcome.rules == ("ROTA-05",)
    assert after.member("A").status is Status.AVAILABLE
    assert after.member("B").reception == state.member("A").reception
    assert after.member("A").turns == 1
    assert after.queue == state.queue


def test_rota_05_transfer_to_a_busy_salesperson_is_refused():
    state = rota("A", "B")
    state, _ = run(state, new(), new())

    with pytest.raises(RotaError) as error:
        apply(state, Transfer(source="A", target="B", by=MANAGER, reason="x"), Policy())

    assert error.value.code == "receiver_busy"


def test_rota_01_rota_05_manager_assigns_a_walk_in_with_a_reason():
    state = rota("A", "B", "C")

    state, (outcome,) = run(state, new(assigned_to="C", by=MANAGER, reason="speaks Cantonese"))

    assert (outcome.receiver, outcome.counted) == ("C", True)
    assert outcome.rules == ("ROTA-01", "ROTA-02", "ROTA-05")


@pytest.mark.parametrize(
    ("by", "reason", "code"),
    [(None, "x", "not_allowed"), (Actor(name="B"), "x", "not_allowed"), (MANAGER, "", "reason_required")],
)
def test_rota_05_assignment_needs_a_manager_and_a_reason(by, reason, code):
    with pytest.raises(RotaError) as error:
        apply(rota("A", "B", "C"), new(assigned_to="C", by=by, reason=reason), Policy())

    assert error.value.code == code


def test_rota_05_finish_needs_an_open_reception_and_records_the_rule():
    state = rota("A")
    with pytest.raises(RotaError) as error:
        apply(state, Finish(who="A"), Policy())
    assert error.value.code == "not_receiving"

    state, (_, outcome) = run(state, new(), Finish(who="A"))

    assert outcome.rules == ("ROTA-05",)
    assert state.member("A").status is Status.AVAILABLE


@pytest.mark.parametrize("event", [status("A", "on_break"), SignOut(who="A")])
def test_rota_05_open_reception_must_end_before_status_changes(event):
    state, _ = run(rota("A"), new())

    with pytest.raises(RotaError) as error:
        apply(state, event, Policy())

    assert error.value.code == "reception_open"


def test_rota_05_open_reception_over_the_limit_is_flagged():
    policy = Policy(open_reception_alert_hours=3)
    state, _ = run(rota("A", "B", "C"), new(at=at(9)), new(at=at(11)), policy=policy)

    assert open_reception_alerts(state, policy, at(12)) == ()
    assert open_reception_alerts(state, policy, at(12, 1)) == ("A",)
    assert open_reception_alerts(state, policy, at(14, 30)) == ("A", "B")


def test_rota_01_rota_05_reorder_by_manager_or_supervisor_with_reason():
    state = rota("A", "B", "C")

    state, (outcome,) = run(state, Reorder(order=("C", "A", "B"), by=SUPERVISOR, reason="late arrival fixed"))

    assert state.queue == ("C", "A", "B")
    assert outcome.rules == ("ROTA-01", "ROTA-05")


@pytest.mark.parametrize(
    ("order", "by", "reason", "code"),
    [
        (("C", "A", "B"), Actor(name="A"), "x", "not_allowed"),
        (("C", "A", "B"), MANAGER, "", "reason_required"),
        (("C", "A"), MANAGER, "x", "invalid_order"),
        (("C", "A", "A"), MANAGER, "x", "invalid_order"),
        (("C", "A", "Z"), MANAGER, "x", "invalid_order"),
    ],
)
def test_rota_05_reorder_refusals(order, by, reason, code):
    with pytest.raises(RotaError) as error:
        apply(rota("A", "B", "C"), Reorder(order=order, by=by, reason=reason), Policy())

    assert error.value.code == code


# ROTA-06: phone duty -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duty", "lines", "expected"),
    [
        ("last_k", 1, ("D",)),
        ("last_k", 2, ("C", "D")),
        ("last_k", 0, ()),
        ("head", 1, ("A",)),
        ("head", 2, ("A", "B")),
        ("queue", 2, ("A",)),
    ],
)
def test_rota_06_phone_duty_options(duty, lines, expected):
    """ROTA-06: "来电接待按对外咨询电话门数由排位最后的几名销售人员进行"."""
    policy = Policy(phone_duty=duty, phone_lines=lines)

    assert phone_duty(rota("A", "B", "C", "D"), policy) == expected


def test_rota_06_phone_duty_is_recomputed_as_the_queue_moves_and_skips_busy_people():
    policy = Policy(phone_lines=2)
    state = rota("A", "B", "C", "D")
    state, _ = run(state, new())  # A receiving, queue B, C, D, A

    assert phone_duty(state, policy) == ("C", "D")


def test_rota_06_queue_option_gives_the_call_to_the_make_up_holder_first():
    policy = Policy(phone_duty="queue")
    state = rota("A", "B", "C")
    state, _ = run(state, status("A", "on_assignment"), new(stays=False), status("A", "available"))

    assert phone_duty(state, policy) == ("A",)


# ROTA-09 figures and the state's JSON --------------------------------------------------------


def test_rota_09_fairness_figures_from_outcomes():
    state = rota("A", "B")
    events = [
        status("A", "on_break", at=at(9, 30)),
        new(at=at(10)),
        new(at=at(10, 15)),
        WalkIn(type=WalkInType.NON_CUSTOMER, stays=False, at=at(10, 20), refused_by=("A",)),
        Finish(who="B", at=at(11, 5)),
    ]

    _, outcomes = run(state, *events)
    figures = fairness_figures(outcomes)

    assert figures.walk_ins_by_type == {"new": 2, "non_customer": 1}
    assert figures.turns == {"B": 2}
    assert figures.skips_by_reason == {"on_break": 2}
    assert figures.makeups_granted == {}
    assert figures.waiting_times == (dt.timedelta(0), dt.timedelta(minutes=50))
    assert figures.receptions_by_hour == {10: 1, 11: 1}
    assert figures.violations == {"A": 1}


def test_rota_state_json_round_trip():
    policy = Policy(makeup_with_own_customer="back_of_unreceived")
    state = rota("A", "B", "C", teams={"A": "red"}, policy=policy)
    state, outcomes = run(
        state,
        status("A", "with_own_customer", at=at(9)),
        new(at=at(9, 10)),
        status("C", "on_assignment"),
        new(at=at(9, 20)),
        WalkIn(type=WalkInType.RETURNING, owner="A", at=at(9, 25), refused_by=("C",)),
        policy=policy,
    )
    assert state.waiting

    data = json.loads(json.dumps(state.to_json()))

    assert RotaState.from_json(data) == state
    assert json.loads(json.dumps([o.to_json() for o in outcomes]))[1]["reception"]["receiver"] == "B"
