"""The ownership engine: each customer's records in order, through the OWN rules, at a given moment.

``decide`` is the one entry point. For every customer it walks the records known at ``at`` in the
order REG-03 and OWN-01 give them, keeping the current owner, protection and shares; a record about
another customer (the referrer of OWN-06, a household member of OWN-07) is consulted as that customer
stood just before the moment it matters. Pure and deterministic: no clock, no database, and the order
of the input does not matter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from customers.ownership.channels import channel_of_record
from customers.ownership.days import SITE_TZ, days_after, local_day, require_aware
from customers.ownership.facts import (
    ChannelReport,
    Decision,
    Deposit,
    Fact,
    FollowUp,
    Referral,
    Registration,
    Relation,
    RelationshipCustomer,
)
from customers.ownership.household import HOUSEHOLD_RELATIONS, Member, settle_collisions
from customers.ownership.shares import ACTIVITY_FUND, Shares, frozen_shares, split, whole
from customers.ownership.state import Claim, Reception, State, fresh_state
from customers.ownership.timeline import Event, event_for, ordered
from customers.ownership.verdict import Lapse, Verdict
from salesoffice.core.policy import Policy

# D-AMB-39: a no-contact exemption runs until the date the customer gave, at most three months.
NO_CONTACT_EXEMPTION_MAX_DAYS = 90

_FAIR_SOURCES = ("exhibition", "event")
_DECISION_RULES = {
    "dispute": "DISP-02",
    "reassignment_service": "OWN-08",
    "reassignment_other": "OWN-08",
    "revocation": "OWN-15",
    "departure": "OWN-09",
    "no_contact_exemption": "OWN-04",
    "roll_confirmation": "OWN-18",
    "confiscation": "OWN-18",
    "invitation_objection": "OWN-11",
    "cooperation": "OWN-10",
    "channel_assignment": "CHAN-05",
}


def decide(
    facts: Iterable[Fact], *, policy: Policy, at: dt.datetime, tz: ZoneInfo = SITE_TZ
) -> dict[str, Verdict]:
    """OWN-01..OWN-19: the verdict of every customer the facts mention, as the records stood at ``at``.

    Records not yet made at ``at`` (recorded, reported or decided later) are left out, so a replay at
    any past moment gives the verdict of that moment (OWN-19).
    """
    require_aware(at, "at")
    facts = tuple(facts)
    ids = [fact.id for fact in facts]
    if len(ids) != len(set(ids)):
        raise ValueError("fact ids must be unique")
    return _Evaluator(facts, policy, tz).verdicts(at)


class _Evaluator:
    def __init__(self, facts: tuple[Fact, ...], policy: Policy, tz: ZoneInfo) -> None:
        self.policy = policy
        self.tz = tz
        self.customers: set[str] = set()
        self.events: dict[str, list[Event]] = defaultdict(list)
        self.registrations: dict[str, list[Registration]] = defaultdict(list)
        self.referrals: dict[str, list[Referral]] = defaultdict(list)
        self.relations: list[Relation] = []
        self.relations_of: dict[str, list[Relation]] = defaultdict(list)
        self.reports: list[ChannelReport] = []
        self.memo: dict[tuple[str, dt.datetime, bool], State] = {}
        for fact in facts:
            self._index(fact)

    def _index(self, fact: Fact) -> None:
        if isinstance(fact, Relation):
            self.customers.update((fact.a, fact.b))
            self.relations.append(fact)
            self.relations_of[fact.a].append(fact)
            self.relations_of[fact.b].append(fact)
        elif isinstance(fact, ChannelReport):
            self.reports.append(fact)
        elif isinstance(fact, Referral):
            self.customers.update((fact.referrer, fact.referred))
            self.referrals[fact.referred].append(fact)
            if fact.announced_at is not None:
                self.events[fact.referred].append(Event(fact.announced_at, fact.announced_at, fact))
        else:
            self.customers.add(fact.customer)
            self.events[fact.customer].append(event_for(fact, self.policy, self.tz))
            if isinstance(fact, Registration):
                self.registrations[fact.customer].append(fact)

    def verdicts(self, at: dt.datetime) -> dict[str, Verdict]:
        states = {customer: self.state(customer, at, inclusive=True) for customer in sorted(self.customers)}
        known_relations = [
            relation
            for relation in self.relations
            if relation.recorded_at is None or relation.recorded_at <= at
        ]
        members = {
            customer: Member(customer, state.owner, state.since_at, state.settled)
            for customer, state in states.items()
        }
        settlements = settle_collisions(members, known_relations, self.policy)
        reports = [report for report in self.reports if report.reported_at <= at]
        verdicts: dict[str, Verdict] = {}
        for customer, state in states.items():
            settlement = settlements.get(customer)
            if settlement is not None:
                if state.owner is None:
                    # OWN-07 C: an unowned buyer follows their closest registered relative's protection.
                    state.protected_until = states[settlement.follows].protected_until
                _apply_settlement(state, settlement.owner, settlement.performance, settlement.commission)
                for relation in settlement.relations:
                    state.note("OWN-07", relation)
                state.awaiting = settlement.awaiting_decision or state.awaiting
            verdicts[customer] = self._verdict(customer, state, at, reports)
        return verdicts

    def _verdict(self, customer: str, state: State, at: dt.datetime, reports: list[ChannelReport]) -> Verdict:
        registrations = [
            registration for registration in self.registrations[customer] if registration.recorded_at <= at
        ]
        return Verdict(
            customer=customer,
            owner=state.owner,
            protected_until=None if state.closed else state.protected_until,
            closed=state.closed,
            performance=frozen_shares(state.performance),
            commission=frozen_shares(state.commission),
            commission_factor=state.factor,
            channel=channel_of_record(registrations, reports, policy=self.policy, tz=self.tz),
            rules=tuple(state.rules),
            facts=tuple(state.facts),
            lapse=state.lapse,
            awaiting_decision=state.awaiting,
        )

    def state(self, customer: str, limit: dt.datetime, *, inclusive: bool) -> State:
        """The customer's ownership from the records made by ``limit``; ``inclusive`` False keeps only
        those ranked strictly before it (how another customer stood when this one's record was made).
        """
        key = (customer, limit, inclusive)
        if key not in self.memo:
            # A cycle of references (A refers B refers A at one instant) resolves to "no owner yet".
            self.memo[key] = State()
            events = [
                event
                for event in self.events[customer]
                if event.known <= limit and (event.rank <= limit if inclusive else event.rank < limit)
            ]
            run = _CustomerRun(customer, self)
            for event in ordered(events, self.tz):
                run.apply(event)
            run.expire(local_day(limit, self.tz))
            self.memo[key] = run.state
        return self.memo[key]


def _introduced_by(referral: Referral, rank: dt.datetime) -> bool:
    """A referral counts from its introduction (or announcement) on; undated, from the first registration."""
    start = referral.announced_at or referral.introduced_at
    return start is None or start <= rank


def _apply_settlement(state: State, owner: str, performance: Shares, commission: Shares) -> None:
    state.owner = owner
    state.performance = performance
    state.commission = commission


class _CustomerRun:
    """Applies one customer's records in order to a ``State``."""

    def __init__(self, customer: str, evaluator: _Evaluator) -> None:
        self.customer = customer
        self.evaluator = evaluator
        self.policy = evaluator.policy
        self.tz = evaluator.tz
        self.state = State()

    def apply(self, event: Event) -> None:
        day = local_day(event.rank, self.tz)
        self.expire(day)
        fact = event.fact
        if isinstance(fact, Registration):
            self.on_registration(fact, event.rank, day)
        elif isinstance(fact, FollowUp):
            self.on_follow_up(fact, day)
        elif isinstance(fact, Deposit):
            self.on_deposit(fact, day)
        elif isinstance(fact, Decision):
            self.on_decision(fact, day)
        elif isinstance(fact, RelationshipCustomer):
            self.on_relationship_customer(fact, event.rank)
        else:
            self.on_referral_announced(fact, event.rank)

    # --- protection (OWN-04) ---------------------------------------------------------------------

    def expire(self, day: dt.date) -> None:
        """OWN-04: past the protection end the customer lapses into the public pool, treated as new."""
        state = self.state
        if (
            state.owner is None
            or state.closed
            or state.protected_until is None
            or day <= state.protected_until
        ):
            return
        lapse = Lapse(state.owner, state.protected_until, state.until_rule, state.last_renewal)
        self.state = fresh_state(state, lapse=lapse, pool_rule="OWN-04")
        self.state.note(lapse.rule, lapse.fact)

    def protect(self, day: dt.date, fact: str) -> None:
        """OWN-04: N days from the contact day, N by the channel; renewals never shorten protection.

        Caps: ``registration_validity_days`` from the start of the ownership (option F) and the
        referral window of OWN-06, both fixed clocks that follow-ups do not move.
        """
        state = self.state
        days = (
            self.policy.call_protection_days
            if state.channel_basis == "call"
            else self.policy.visit_protection_days
        )
        until = days_after(day, days)
        if state.protected_until is not None:
            until = max(until, state.protected_until)
        rule = "OWN-04"
        assert state.since is not None
        validity = self.policy.registration_validity_days
        if validity is not None and days_after(state.since, validity) < until:
            until = days_after(state.since, validity)
        window = self.policy.referral_window_days
        if state.basis == "referral" and window is not None and days_after(state.since, window) < until:
            until, rule = days_after(state.since, window), "OWN-06"
        state.protected_until, state.until_rule, state.last_renewal = until, rule, fact
        state.note("OWN-04", fact)

    def start(
        self, owner: str, *, at: dt.datetime, basis: str, rule: str, fact: str, channel: str = "visit"
    ) -> None:
        """A new owner's claim begins: whole shares, fresh protection; the trace and any lapse stay."""
        state = self.state
        state.owner, state.since, state.since_at = owner, local_day(at, self.tz), at
        state.basis, state.channel_basis = basis, channel
        state.protected_until = None
        state.closed = state.settled = state.on_roll = False
        state.performance = state.commission = whole(owner)
        state.factor = Decimal(1)
        state.awaiting = state.pool_rule = state.referral_split = state.invitation_day = None
        state.receptions = []
        if state.referral is not None:
            state.spent_referrals.add(state.referral)
        state.referral = fact if basis == "referral" else None
        state.note(rule, fact)
        self.protect(local_day(at, self.tz), fact)

    # --- registrations (REG-02, REG-03, OWN-01..OWN-07, OWN-11..OWN-14, OWN-16) --------------------

    def on_registration(self, registration: Registration, rank: dt.datetime, day: dt.date) -> None:
        state = self.state
        if not registration.complete:
            # REG-02, OWN-14: kept as a reception, but no evidence of ownership.
            if state.owner is None:
                state.note("OWN-14", registration.id)
            return
        state.contacted_by.add(registration.salesperson)
        if registration.channel == "call" and not self._call_claims(registration):
            self._call_without_claim(registration, day)
            return
        if state.owner is not None and state.basis == "relationship":
            # OWN-06: a referred customer who is also B's relative or friend still belongs to the referrer's owner.
            claim = self._referral_claim(registration, rank)
            if claim is not None and claim.owner != state.owner:
                self._start_claim(claim, registration, rank)
                return
        if state.owner is None:
            self._claim_new(registration, rank, day)
        elif registration.salesperson == state.owner:
            self._renew_by_contact(registration.channel, day, registration.id)
        else:
            self._other_reception(registration, rank, day)

    def _call_claims(self, registration: Registration) -> bool:
        """OWN-01 A: the answerer owns; B: the manager distributes; C: only with an appointment entered."""
        if self.policy.call_ownership == "answerer":
            return True
        return self.policy.call_ownership == "appointment_only" and registration.appointment_entered

    def _call_without_claim(self, registration: Registration, day: dt.date) -> None:
        state = self.state
        if state.owner == registration.salesperson and not state.closed:
            self.protect(day, registration.id)
        elif state.owner is None:
            state.note("OWN-01", registration.id)
            if self.policy.call_ownership == "manager_distributes":
                state.pool_rule = state.awaiting = "OWN-01"

    def _renew_by_contact(self, channel: str, day: dt.date, fact: str) -> None:
        """OWN-04: each visit renews protection; the first visit after a call switches to visit days."""
        if self.state.closed:
            return
        if channel == "visit":
            self.state.channel_basis = "visit"
        self.protect(day, fact)

    def _claim_new(self, registration: Registration, rank: dt.datetime, day: dt.date) -> None:
        """The first valid registration of a customer nobody owns (OWN-01), or of a lapsed one (OWN-04)."""
        state = self.state
        claim = self._referral_claim(registration, rank) or self._household_claim(rank)
        if claim is not None:
            self._start_claim(claim, registration, rank)
            return
        if registration.source in _FAIR_SOURCES:
            # OWN-12: fair and event registrations wait in the unassigned pool for the manager.
            state.note("OWN-12", registration.id)
            state.pool_rule = state.awaiting = "OWN-12"
            return
        named = registration.named
        if named and named != registration.salesperson:
            rule = self._named_rule(registration)
            self._start_registration(named, registration, rank, rule)
            if registration.source != "phone_invitation":
                self.state.receptions.append(Reception(registration.salesperson, day, "designated"))
            return
        if registration.source == "phone_invitation":
            self._start_registration(registration.salesperson, registration, rank, "OWN-11")
            self.state.invitation_day = day
            return
        self._start_registration(registration.salesperson, registration, rank, "OWN-01")

    def _named_rule(self, registration: Registration) -> str:
        """Which rule gives a named salesperson the customer at a first (or first-after-lapse) visit."""
        state = self.state
        if state.lapse is not None and state.lapse.former_owner == registration.named:
            return "OWN-04"
        if state.pool_rule == "OWN-12":
            return "OWN-12"
        return {"phone_invitation": "OWN-11", "developer_referral": "OWN-13"}.get(
            registration.source, "OWN-02"
        )

    def _start_registration(
        self, owner: str, registration: Registration, rank: dt.datetime, rule: str
    ) -> None:
        self.start(
            owner,
            at=rank,
            basis="registration",
            rule=rule,
            fact=registration.id,
            channel=registration.channel,
        )
        self._mark_developer_referred(registration)

    def _mark_developer_referred(self, registration: Registration) -> None:
        """OWN-13: a developer-referred customer earns the salesperson a reduced commission rate."""
        if registration.source == "developer_referral":
            self.state.factor = self.policy.developer_referred_commission_factor
            self.state.note("OWN-13", registration.id)

    def _start_claim(self, claim: Claim, registration: Registration, rank: dt.datetime) -> None:
        self.start(
            claim.owner,
            at=rank,
            basis=claim.basis,
            rule=claim.rule,
            fact=claim.fact,
            channel=registration.channel,
        )
        self.state.note(claim.rule, registration.id)
        self._apply_referral_split(claim)
        self._mark_developer_referred(registration)

    def _apply_referral_split(self, claim: Claim) -> None:
        """OWN-08 option: customers referred after an other-cause reassignment split commission 70:30."""
        if claim.referral_split is not None and claim.referral_split[0] == claim.owner:
            new, former = claim.referral_split
            self.state.commission = split(new, former, 70)
            self.state.note("OWN-08")

    def _referral_claim(
        self, registration: Registration | None, rank: dt.datetime, only: Referral | None = None
    ) -> Claim | None:
        """OWN-06: the referrer's owner takes a new customer who names them, was announced in advance,
        or came with the referrer. The referrer is taken as they stood just before this record.
        """
        candidates = [only] if only is not None else self.evaluator.referrals[self.customer]
        referrals = sorted(candidates, key=lambda referral: (referral.announced_at or rank, referral.id))
        named = registration.named if registration is not None else None
        for referral in referrals:
            if referral.id in self.state.spent_referrals or not _introduced_by(referral, rank):
                continue
            referrer = self.evaluator.state(referral.referrer, rank, inclusive=False)
            owner = referrer.owner
            if owner is None or (referrer.basis == "referral" and not self.policy.referral_chain):
                continue
            announced = referral.announced_at is not None and referral.announced_at <= rank
            if owner in (referral.named, named) or referral.accompanied or announced:
                return Claim(owner, "OWN-06", "referral", referral.id, referrer.referral_split)
        return None

    def _household_claim(self, rank: dt.datetime) -> Claim | None:
        """OWN-07: a member of a household known before this registration belongs to its first registrant."""
        candidates: list[tuple[dt.datetime, str, str]] = []
        for relation in self.evaluator.relations_of.get(self.customer, ()):
            if relation.relation not in HOUSEHOLD_RELATIONS:
                continue
            if relation.recorded_at is None or relation.recorded_at > rank:
                continue
            relative = relation.b if relation.a == self.customer else relation.a
            other = self.evaluator.state(relative, rank, inclusive=False)
            if other.owner is not None and other.since_at is not None:
                candidates.append((other.since_at, relation.id, other.owner))
        if not candidates:
            return None
        _, relation_id, owner = min(candidates)
        return Claim(owner, "OWN-07", "household", relation_id)

    def _other_reception(self, registration: Registration, rank: dt.datetime, day: dt.date) -> None:
        """Someone else registers the owner's customer: OWN-05, OWN-10, OWN-12, or nothing changes (OWN-01)."""
        state = self.state
        owner = state.owner
        assert owner is not None
        if registration.channel == "call":
            return  # D-AMB-10: a registered caller served by the duty salesperson stays the owner's.
        if (
            state.basis == "exhibition"
            and registration.named
            and registration.named != owner
            and not state.closed
        ):
            # OWN-12, D-AMB-40: naming a salesperson on a revisit wins over the manager's post-fair assignment.
            self._start_registration(registration.named, registration, rank, "OWN-12")
            return
        mode = self._reception_mode(registration)
        if mode is not None:
            state.receptions.append(Reception(registration.salesperson, day, mode))
            if mode in ("standin", "helper"):
                self._renew_by_contact("visit", day, registration.id)
            return
        if state.closed or state.on_roll or registration.named is not None:
            # A closed customer stays the owner's; a confirmed roll decides (OWN-18); naming a third
            # salesperson needs the manager (OWN-08).
            state.note("OWN-18" if state.on_roll else "OWN-01", registration.id)
            return
        if self.policy.unrecognised_returning == "by_time":
            self._unrecognised_by_time(registration, rank, day)
        else:
            self._unrecognised_by_presence(registration, rank)

    def _reception_mode(self, registration: Registration) -> str | None:
        state = self.state
        if registration.concealed:
            state.note("OWN-10", registration.id)
            return "concealed"
        if registration.standin:
            state.note("OWN-10", registration.id)
            return "standin"
        if registration.named == state.owner:
            state.note("OWN-05", registration.id)
            return "helper"
        if registration.source in _FAIR_SOURCES:
            state.note("OWN-12", registration.id)
            return "event_unreacted" if registration.owner_present else "event_identified"
        return None

    def _unrecognised_by_time(self, registration: Registration, rank: dt.datetime, day: dt.date) -> None:
        """OWN-05 option by_time: within the window the customer returns to the owner (a deal by the
        second receiver splits commission); after it the second receiver owns.
        """
        state = self.state
        assert state.since is not None
        if (day - state.since).days <= self.policy.unrecognised_window_days:
            state.receptions.append(Reception(registration.salesperson, day, "unrecognised"))
            state.note("OWN-05", registration.id)
        else:
            self._start_registration(registration.salesperson, registration, rank, "OWN-05")

    def _unrecognised_by_presence(self, registration: Registration, rank: dt.datetime) -> None:
        """OWN-05 default: what the customer said and whether the owner was there decide."""
        state = self.state
        owner = state.owner
        assert owner is not None
        if registration.declined_former or (registration.said_first_visit and registration.owner_present):
            self._start_registration(registration.salesperson, registration, rank, "OWN-05")
        elif registration.said_first_visit and registration.owner_present is False:
            state.performance = state.commission = split(owner, registration.salesperson, 50)
            state.note("OWN-05", registration.id)
        else:
            state.note("OWN-05", registration.id)

    # --- follow-ups, deposits (OWN-04, OWN-02, OWN-05, OWN-10, OWN-12) ----------------------------

    def on_follow_up(self, follow_up: FollowUp, day: dt.date) -> None:
        """FUP-03, OWN-04: only the owner's follow-up that reached the customer renews protection."""
        if follow_up.reached and follow_up.salesperson == self.state.owner and not self.state.closed:
            self.protect(day, follow_up.id)

    def on_deposit(self, deposit: Deposit, day: dt.date) -> None:
        """OWN-04: a deposit closes the customer to the owner for good, subject to cancellation."""
        state = self.state
        if deposit.cancelled:
            if deposit.salesperson == state.owner and not state.closed:
                self.protect(day, deposit.id)
            return
        if state.owner is None:
            rule = "OWN-12" if state.pool_rule == "OWN-12" else "OWN-01"
            self.start(deposit.salesperson, at=deposit.at, basis="deposit", rule=rule, fact=deposit.id)
        elif deposit.salesperson != state.owner and not state.settled:
            self._deal_by_other(deposit, day)
        self.state.closed = True
        self.state.note("OWN-04", deposit.id)

    def _deal_by_other(self, deposit: Deposit, day: dt.date) -> None:
        state = self.state
        owner, closer = state.owner, deposit.salesperson
        assert owner is not None
        if closer in state.commission:
            return  # already a partner in the shares (OWN-05 cooperation)
        mode = next(
            (
                reception.mode
                for reception in reversed(state.receptions)
                if reception.salesperson == closer
                and (reception.day == day or reception.mode == "unrecognised")
            ),
            None,
        )
        if mode == "event_unreacted":
            # OWN-12: the owner did not react to their own customer at the event; the closer owns.
            self.start(closer, at=deposit.at, basis="deposit", rule="OWN-12", fact=deposit.id)
            return
        performance, commission, rule = self._deal_shares(mode, owner, closer)
        state.performance, state.commission = performance, commission
        state.note(rule, deposit.id)

    def _deal_shares(self, mode: str | None, owner: str, closer: str) -> tuple[Shares, Shares, str]:
        """COMM-02 modifiers for a deposit taken by someone other than the owner."""
        if mode == "designated":
            return whole(closer), split(owner, closer, 50), "OWN-02"
        if mode == "standin":
            if self.policy.standin_same_day_commission == "split_even":
                return whole(owner), split(owner, closer, 50), "OWN-10"
            return whole(owner), whole(owner), "OWN-10"
        if mode == "unrecognised":
            return whole(closer), split(owner, closer, 50), "OWN-05"
        if mode == "event_identified":
            even = split(owner, closer, 50)
            return even, even, "OWN-12"
        # A concealed or helped reception, or a deal on a later day, is wholly the owner's (OWN-10, D-AMB-42).
        return whole(owner), whole(owner), "OWN-10" if mode in ("concealed", "standin") else "OWN-01"

    # --- prior records and decisions (OWN-03, OWN-06, OWN-08..OWN-11, OWN-15, OWN-18, DISP-02) ------

    def on_relationship_customer(self, record: RelationshipCustomer, rank: dt.datetime) -> None:
        """OWN-03: a relative or friend recorded before anyone else's first contact."""
        state = self.state
        if state.owner is None and not (state.contacted_by - {record.salesperson}):
            self.start(record.salesperson, at=rank, basis="relationship", rule="OWN-03", fact=record.id)

    def on_referral_announced(self, referral: Referral, rank: dt.datetime) -> None:
        """OWN-06: an announced referral gives the new customer to the referrer's owner from the announcement."""
        state = self.state
        if state.owner is not None and state.basis != "relationship":
            return  # already registered by someone within protection: the first registration wins
        claim = self._referral_claim(None, rank, only=referral)
        if claim is not None and claim.owner != state.owner:
            self.start(claim.owner, at=rank, basis=claim.basis, rule=claim.rule, fact=claim.fact)
            self._apply_referral_split(claim)

    def on_decision(self, decision: Decision, day: dt.date) -> None:
        """DISP-02: the manager's decision is a record that later verdicts respect."""
        state = self.state
        kind = decision.kind
        if kind == "no_contact_exemption":
            self._exempt(decision, day)
        elif kind == "confiscation":
            if self.policy.valid_roll_confiscation and state.on_roll:
                state.commission, state.settled = whole(ACTIVITY_FUND), True
                state.note("OWN-18", decision.id)
        elif kind in ("invitation_objection", "cooperation"):
            self._share_with_party(decision, day)
        elif kind == "departure":
            self._departure(decision)
        else:
            self._assign(decision)

    def _assign(self, decision: Decision) -> None:
        state = self.state
        former, was_closed, was_on_roll = state.owner, state.closed, state.on_roll
        rule = _DECISION_RULES.get(decision.kind) or state.pool_rule or "OWN-03"
        exhibition = decision.kind == "pool_distribution" and state.pool_rule == "OWN-12"
        if decision.owner is None:
            self._to_pool(decision, rule)
            return
        if decision.owner != former:
            self.start(decision.owner, at=decision.at, basis="decision", rule=rule, fact=decision.id)
        else:
            state.note(rule, decision.id)
            if not was_closed:
                self.protect(local_day(decision.at, self.tz), decision.id)
        state = self.state
        state.closed = was_closed
        state.basis = "exhibition" if exhibition else "decision"
        state.on_roll = decision.kind == "roll_confirmation" or (was_on_roll and decision.owner == former)
        if decision.kind == "reassignment_other" and former is not None and former != decision.owner:
            self._reassigned_for_other_cause(decision.owner, former)
        self._apply_decided_shares(decision)

    def _reassigned_for_other_cause(self, new: str, former: str) -> None:
        """OWN-08 option even_then_70_30: 50:50 commission on this deal, 70:30 on the customers they refer."""
        if self.policy.reassignment_other_cause == "even_then_70_30":
            self.state.commission = split(new, former, 50)
            self.state.referral_split = (new, former)
            self.state.settled = True

    def _apply_decided_shares(self, decision: Decision) -> None:
        state = self.state
        if decision.performance is not None:
            state.performance, state.settled = decision.performance, True
        if decision.commission is not None:
            state.commission, state.settled = decision.commission, True
        if decision.kind in ("dispute", "reassignment_service"):
            state.settled = True

    def _to_pool(self, decision: Decision, rule: str) -> None:
        state = self.state
        state.note(rule, decision.id)
        self.state = fresh_state(state, lapse=state.lapse, pool_rule=rule)
        self.state.rules, self.state.facts = state.rules, state.facts

    def _departure(self, decision: Decision) -> None:
        """OWN-09: an open customer of a leaver goes to the pool (or the successor the manager names);
        a closed one keeps the deal's shares and passes to the successor for service (D-AMB-21).
        """
        state = self.state
        if not state.closed or decision.owner is None:
            self._assign(decision)
            return
        performance, commission = state.performance, state.commission
        self._assign(dataclasses.replace(decision, performance=performance, commission=commission))

    def _exempt(self, decision: Decision, day: dt.date) -> None:
        """OWN-04 option: protection holds without follow-ups until the date the customer gave (D-AMB-39)."""
        state = self.state
        if not self.policy.no_contact_exemption or state.owner is None or state.closed:
            return
        longest = days_after(day, NO_CONTACT_EXEMPTION_MAX_DAYS)
        until = min(decision.until or longest, longest)
        if state.protected_until is None or until > state.protected_until:
            state.protected_until, state.until_rule, state.last_renewal = until, "OWN-04", decision.id
        state.note("OWN-04", decision.id)

    def _share_with_party(self, decision: Decision, day: dt.date) -> None:
        """OWN-11: an upheld objection at the day's summary makes it 50:50 with the inviter.
        OWN-10: a stand-in's deposit confirmed by the manager as a cooperation deal (共单).
        """
        state = self.state
        party = decision.party
        assert party is not None
        if state.owner is None:
            return
        if decision.kind == "invitation_objection" and state.invitation_day != day:
            return
        even = split(state.owner, party, 50)
        state.performance = decision.performance or even
        state.commission = decision.commission or even
        state.settled = True
        state.note(_DECISION_RULES[decision.kind], decision.id)
