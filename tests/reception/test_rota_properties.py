"""Properties of the rota engine over random days (ROTA-01..07, ROTA-10), checked with hypothesis."""

import json
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

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
    Status,
    StatusChange,
    Transfer,
    WalkIn,
    WalkInType,
    apply,
    duty_assistant,
    replay,
)
from salesoffice.core.policy import (
    DESIGNATED_TURN,
    MAKEUP_KINDS,
    MAKEUP_UNCOUNTED_KINDS,
    RETURNING_STANDIN_TURN,
    Policy,
)

NAMES = ("A", "B", "C", "D", "E")
MANAGER = Actor(name="M", role=Role.MANAGER)
SUPERVISOR = Actor(name="S", role=Role.SUPERVISOR)

names = st.sampled_from(NAMES)
maybe_names = st.one_of(st.none(), names)
actors = st.one_of(st.none(), st.builds(Actor, name=names), st.just(MANAGER), st.just(SUPERVISOR))
staff = st.one_of(st.builds(Actor, name=names), st.just(MANAGER), st.just(SUPERVISOR))
reasons = st.sampled_from(["", "customer complaint"])

policies = st.builds(
    Policy,
    designated_turn=st.sampled_from(DESIGNATED_TURN),
    returning_standin_turn=st.sampled_from(RETURNING_STANDIN_TURN),
    peer_counts=st.booleans(),
    makeup_with_own_customer=st.sampled_from(MAKEUP_KINDS),
    makeup_on_assignment=st.sampled_from(MAKEUP_KINDS),
    makeup_receiving_uncounted=st.sampled_from(MAKEUP_UNCOUNTED_KINDS),
)


@st.composite
def walk_ins(draw):
    """Mostly well-formed walk-ins of every type, with now and then a field the type refuses."""
    walk_in_type = draw(st.sampled_from(list(WalkInType)))
    fields = {"type": walk_in_type, "stays": draw(st.booleans())}
    if walk_in_type is WalkInType.DESIGNATED:
        fields["named"] = draw(names)
    if walk_in_type in (WalkInType.RETURNING, WalkInType.DEPOSIT_VISIT):
        fields["owner"] = draw(names)
        fields["delegate"] = draw(st.one_of(st.none(), st.none(), names))
    if walk_in_type is WalkInType.REFERRED:
        fields["assigned_to"] = draw(maybe_names)
    if walk_in_type in (WalkInType.NEW, WalkInType.GROUP) and draw(st.integers(0, 5)) == 0:
        fields.update(assigned_to=draw(names), by=draw(actors), reason=draw(reasons))
    if walk_in_type is WalkInType.TOUR_GROUP:
        fields["receiver"] = draw(st.one_of(st.none(), st.none(), names))
    if draw(st.integers(0, 6)) == 0:
        fields["refused_by"] = tuple(draw(st.lists(names, max_size=2, unique=True)))
    return WalkIn(**fields)


@st.composite
def reorders(draw):
    """A rotation of whatever the queue is when the event comes (see ``materialise``)."""
    return ("reorder", draw(st.integers(0, 4)), draw(staff), draw(reasons))


events = st.one_of(
    st.builds(SignIn, who=names, team=st.sampled_from([None, None, "red", "blue"])),
    st.builds(SignOut, who=names, by=actors, reason=reasons),
    st.builds(StatusChange, who=names, status=st.sampled_from(list(Status)), by=actors, reason=reasons),
    walk_ins(),
    walk_ins(),
    walk_ins(),
    st.builds(StatusChange, who=names, status=st.just(Status.AVAILABLE)),
    st.builds(Finish, who=names, by=actors, reason=reasons),
    st.builds(Finish, who=names),
    st.builds(Finish, who=names),
    st.builds(Transfer, source=names, target=names, by=staff, reason=reasons),
    reorders(),
)
days = st.tuples(
    policies,
    st.lists(names, min_size=3, max_size=5, unique=True),
    st.lists(events, max_size=60),
)


def materialise(state, item):
    if isinstance(item, tuple):
        _, shift, by, reason = item
        shift = shift % max(len(state.queue), 1)
        return Reorder(order=state.queue[shift:] + state.queue[:shift], by=by, reason=reason)
    return item


def play(policy, sign_ins, items):
    """Apply every event the rota accepts; return the accepted ones with their before/after."""
    state, _ = replay(RotaState(), [SignIn(who=name) for name in sign_ins], policy)
    steps = []
    for item in items:
        event = materialise(state, item)
        before = state.to_json()
        try:
            after, outcome = apply(state, event, policy)
        except RotaError:
            assert state.to_json() == before  # a refused event changes nothing
            continue
        steps.append((state, event, after, outcome))
        state = after
    return state, steps


def freed_by(event):
    """Who an event may make available (and so able to take a waiting walk-in)."""
    if isinstance(event, SignIn | StatusChange | Finish):
        return {event.who}
    if isinstance(event, Transfer):
        return {event.source}
    return set()


@settings(max_examples=300, deadline=None)
@given(days)
def test_rota_01_05_nobody_receives_twice_at_once(day):
    _, steps = play(*day)
    for _, _, after, _ in steps:
        open_walk_ins = [m.reception.walk_in for m in after.members if m.reception]
        assert len(open_walk_ins) == len(set(open_walk_ins))
        assert not set(open_walk_ins) & {w.number for w in after.waiting}
        for member in after.members:
            if member.status is Status.RECEIVING:
                assert member.reception is not None
            if member.reception is not None:
                assert member.status in (Status.RECEIVING, Status.WITH_OWN_CUSTOMER)


@settings(max_examples=300, deadline=None)
@given(days)
def test_rota_01_only_signed_in_available_salespeople_receive(day):
    _, steps = play(*day)
    for before, event, after, outcome in steps:
        for received in outcome.receptions:
            if received.receiver is None:
                continue
            assert received.receiver in after.queue
            was_free = before.is_available(received.receiver)
            assert was_free or received.receiver in freed_by(event)


@settings(max_examples=300, deadline=None)
@given(days)
def test_rota_01_queue_holds_exactly_the_signed_in(day):
    _, steps = play(*day)
    for _, _, after, _ in steps:
        assert len(after.queue) == len(set(after.queue))
        assert set(after.queue) == {m.name for m in after.members if m.status is not Status.SIGNED_OUT}


@settings(max_examples=300, deadline=None)
@given(days)
def test_rota_02_turns_counted_equal_counted_walk_ins(day):
    state, steps = play(*day)
    counted = Counter(r.receiver for _, _, _, o in steps for r in o.receptions if r.counted)
    assert state.turns == sum(counted.values())
    assert {m.name: m.turns for m in state.members if m.turns} == dict(counted)


@settings(max_examples=300, deadline=None)
@given(days)
def test_rota_02_a_walk_in_waits_only_when_nobody_free_may_take_it(day):
    _, steps = play(*day)
    for _, _, after, _ in steps:
        free = {name for name in after.queue if after.is_available(name)}
        for waiting in after.waiting:
            assert free <= set(waiting.walk_in.refused_by)


@settings(max_examples=300, deadline=None)
@given(days)
def test_rota_03_04_make_up_tokens_never_exceed_what_the_policy_grants(day):
    policy = day[0]
    only_once = "each" not in (
        policy.makeup_with_own_customer,
        policy.makeup_on_assignment,
        policy.makeup_receiving_uncounted,
    )
    _, steps = play(*day)
    makeup_skips, used = Counter(), Counter()
    for _, _, after, outcome in steps:
        for received in outcome.receptions:
            makeup_skips.update(s.who for s in received.skipped if s.outcome is SkipOutcome.MAKEUP)
            assert set(received.tokens_granted) <= {
                s.who for s in received.skipped if s.outcome is SkipOutcome.MAKEUP
            }
        used.update(outcome.tokens_used)
        for name in NAMES:
            assert after.token_count(name) <= makeup_skips[name] - used[name]
            if only_once:
                assert after.token_count(name) <= 1


@settings(max_examples=300, deadline=None)
@given(days)
def test_rota_07_duty_assistant_is_last_in_queue_and_stands_in(day):
    _, steps = play(*day)
    for before, event, after, outcome in steps:
        assert duty_assistant(after) == (after.queue[-1] if after.queue else None)
        reception = outcome.reception
        if reception is None or reception.for_owner is None or not isinstance(event, WalkIn):
            continue
        owner = before.find(reception.for_owner)
        assistant = duty_assistant(before)
        plain = event.delegate is None and (owner is None or owner.team is None)
        if plain and assistant != reception.for_owner and before.is_available(assistant):
            assert reception.receiver == assistant


@settings(max_examples=200, deadline=None)
@given(days)
def test_rota_10_replay_is_deterministic_and_state_survives_json(day):
    policy, sign_ins, _ = day
    state, steps = play(*day)
    start, _ = replay(RotaState(), [SignIn(who=name) for name in sign_ins], policy)

    again, outcomes = replay(start, [event for _, event, _, _ in steps], policy)

    assert again == state
    assert outcomes == tuple(outcome for _, _, _, outcome in steps)
    assert RotaState.from_json(json.loads(json.dumps(state.to_json()))) == state
