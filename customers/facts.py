"""Stored records as the ownership engine's facts (OWN-17: records are the only evidence).

Labels are ids as text: customers by ``Customer.pk``, salespeople and agents by user pk. The
recorded verdicts and the replay page both come from ``decide`` over these facts, so they agree.

A walk-in's registration waits on this reading (P3) and the nightly expiry reads the records of
thousands of customers through it (P7), so it sends few statements and builds no model instances:
one statement per hop of links (relations, referrals and merged customers together) and one for
every record of the customers found, each row a JSON array of the columns its fact needs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection

from customers import ownership
from customers.models import (
    ChannelReport,
    Customer,
    CustomerPhone,
    DepositRecord,
    FollowUp,
    OwnershipDecision,
    Referral,
    Registration,
    Relation,
    RelationshipRecord,
)

# A referral chain or household rarely spans more than a handful of people; the bound keeps one
# recomputation from walking a whole site if data is odd.
MAX_CONNECTED = 200

_CUSTOMER = Customer._meta.db_table
_RELATION = Relation._meta.db_table
_REFERRAL = Referral._meta.db_table

# Relations and referrals touching some customers (as pairs), and the customers merged into them.
# Table names come from the models and every value is a parameter (hence the S608 exemptions).
_LINKS_SQL = (
    f"SELECT 'link', a_id, b_id FROM {_RELATION} WHERE a_id IN ({{ids}}) OR b_id IN ({{ids}}) "  # noqa: S608
    f"UNION ALL SELECT 'link', referrer_id, referred_id FROM {_REFERRAL} "
    "WHERE referrer_id IN ({ids}) OR referred_id IN ({ids}) "
    f"UNION ALL SELECT 'merged', id, merged_into_id FROM {_CUSTOMER} WHERE merged_into_id IN ({{ids}})"
)
_MERGED_SQL = f"SELECT id, merged_into_id FROM {_CUSTOMER} WHERE merged_into_id IN ({{ids}})"  # noqa: S608


@dataclasses.dataclass
class _Links:
    """The customers reached from some customers through relations and referrals, and the customers
    merged into those whose links were followed (``walked``)."""

    customers: set[int]
    walked: set[int]
    merged: dict[int, int]


def _links_of(customer_ids: Iterable[int]) -> _Links:
    found = set(customer_ids)
    links = _Links(customers=found, walked=set(), merged={})
    frontier = set(found)
    while frontier and len(found) < MAX_CONNECTED:
        linked: set[int] = set()
        for kind, first, second in _rows(_LINKS_SQL, frontier):
            if kind == "merged":
                links.merged[first] = second
            else:
                linked.update((first, second))
        links.walked |= frontier
        frontier = linked - found
        found |= frontier
    return links


def connected_customer_ids(customer_ids: Iterable[int]) -> set[int]:
    """The customers linked to these by relations or referrals, transitively (OWN-06 chains,
    OWN-07 households), one query per hop."""
    return _links_of(customer_ids).customers


def merged_labels(customer_ids: Iterable[int]) -> dict[int, int]:
    """CUS-05: every customer merged (directly or through a chain) into one of these, mapped to the
    surviving customer, one query per level of merging."""
    return _merged_labels(set(customer_ids), first_level=None)


def _merged_labels(customer_ids: set[int], first_level: dict[int, int] | None) -> dict[int, int]:
    """``merged_labels``, given the customers merged straight into these when they were read already."""
    survivors: dict[int, int] = {}
    frontier = set(customer_ids)
    while frontier and len(survivors) < MAX_CONNECTED:
        if first_level is not None:
            rows, first_level = first_level, None
        else:
            rows = dict(_rows(_MERGED_SQL, frontier))
        for merged, into in rows.items():
            survivors[merged] = survivors.get(into, into)
        frontier = set(rows) - customer_ids
    for merged, into in list(survivors.items()):
        while into in survivors:
            into = survivors[into]
        survivors[merged] = into
    return survivors


def ownership_facts(customer_ids: Iterable[int]) -> list[ownership.Fact]:
    """Every record the engine needs for these customers (a fixed number of queries per level of
    merging). CUS-05: a customer merged into one of these contributes its records under the
    surviving customer's label, so ownership is decided over the union of their records."""
    ids = set(customer_ids)
    return _facts(ids, _merged_labels(ids, first_level=None))


def linked_ownership_facts(customer_ids: Iterable[int]) -> tuple[set[int], list[ownership.Fact]]:
    """``connected_customer_ids`` of these and the ``ownership_facts`` of all of them, in one statement
    per hop of links and one for the records: the customers merged into those found are read with the
    links."""
    links = _links_of(customer_ids)
    unwalked = links.customers - links.walked
    if unwalked:  # the walk stopped at the bound: some customers' merged records are still unread
        links.merged.update(dict(_rows(_MERGED_SQL, unwalked)))
    return links.customers, _facts(links.customers, _merged_labels(links.customers, first_level=links.merged))


def _facts(customer_ids: set[int], survivors: dict[int, int]) -> list[ownership.Fact]:
    facts = _facts_of(customer_ids | set(survivors))
    if not survivors:
        return facts
    return [relabelled for fact in facts if (relabelled := _relabel(fact, survivors)) is not None]


def _relabel(fact: ownership.Fact, survivors: dict[int, int]) -> ownership.Fact | None:
    names = [name for name in ("customer", "a", "b", "referrer", "referred") if hasattr(fact, name)]
    changes = {
        name: str(survivors[int(getattr(fact, name))])
        for name in names
        if int(getattr(fact, name)) in survivors
    }
    if not changes:
        return fact
    try:
        return dataclasses.replace(fact, **changes)  # type: ignore[arg-type]
    except ValueError:
        return None  # a relation or referral between the two merged records says nothing any more


# --- every record of some customers, in one statement --------------------------------------------


def _array(vendor: str, *columns: str) -> str:
    """The columns as the text of one JSON array. A JSON column, written ``json:name``, is nested as
    itself (SQLite keeps it as text, which json() reads)."""
    postgresql = vendor == "postgresql"
    nested = (
        f"json({column[5:]})"
        if column.startswith("json:") and not postgresql
        else column.removeprefix("json:")
        for column in columns
    )
    return f"CAST({'json_build_array' if postgresql else 'json_array'}({', '.join(nested)}) AS text)"


@functools.cache
def _records_sql(vendor: str) -> str:
    """Registrations, follow-ups, relations and referrals among the customers, relationship records,
    deposits, decisions, and the channel reports whose masked phone could be one of the customers'
    numbers at one of their sites (CHAN-03; a report of another site never names this customer's
    channel). ``{ids}`` stands for the customers' ids."""
    return " UNION ALL ".join(
        (
            f"SELECT 'registration', {_array(vendor, *_REGISTRATION_COLUMNS)} FROM {Registration._meta.db_table} "  # noqa: S608
            "WHERE customer_id IN ({ids})",
            f"SELECT 'follow_up', {_array(vendor, 'id', 'customer_id', 'salesperson_id', 'at', 'reached', 'recorded_at')} "  # noqa: S608
            f"FROM {FollowUp._meta.db_table} WHERE customer_id IN ({{ids}})",
            f"SELECT 'relation', {_array(vendor, 'id', 'a_id', 'b_id', 'kind', 'recorded_at')} FROM {_RELATION} "  # noqa: S608
            "WHERE a_id IN ({ids}) AND b_id IN ({ids})",
            f"SELECT 'referral', {_array(vendor, *_REFERRAL_COLUMNS)} FROM {_REFERRAL} "  # noqa: S608
            "WHERE referrer_id IN ({ids}) AND referred_id IN ({ids})",
            f"SELECT 'relationship', {_array(vendor, 'id', 'salesperson_id', 'customer_id', 'recorded_at')} "  # noqa: S608
            f"FROM {RelationshipRecord._meta.db_table} WHERE customer_id IN ({{ids}})",
            f"SELECT 'deposit', {_array(vendor, 'id', 'customer_id', 'salesperson_id', 'kind', 'at', 'cancelled_at')} "  # noqa: S608
            f"FROM {DepositRecord._meta.db_table} WHERE customer_id IN ({{ids}})",
            f"SELECT 'decision', {_array(vendor, *_DECISION_COLUMNS)} FROM {OwnershipDecision._meta.db_table} "  # noqa: S608
            "WHERE customer_id IN ({ids})",
            # Any of the customers' sites with any of their numbers, as the counter matches a report.
            f"SELECT 'channel_report', {_array(vendor, *(f'report.{column}' for column in _REPORT_COLUMNS))} "  # noqa: S608
            f"FROM {ChannelReport._meta.db_table} AS report "
            f"JOIN (SELECT DISTINCT site_id FROM {_CUSTOMER} WHERE id IN ({{ids}})) AS site "
            "ON report.site_id = site.site_id "
            "JOIN (SELECT DISTINCT substr(e164, 4, 3) AS prefix, substr(e164, length(e164) - 4) AS suffix "
            f"FROM {CustomerPhone._meta.db_table} WHERE customer_id IN ({{ids}}) AND e164 LIKE '+861%%') AS phone "
            "ON report.phone_prefix = phone.prefix AND report.phone_suffix = phone.suffix "
            f"WHERE report.status <> '{ChannelReport.Status.REPLACED.value}'",
        )
    )


_REGISTRATION_COLUMNS = (
    "id", "customer_id", "salesperson_id", "kind", "contact_at", "recorded_at", "complete", "name", "json:phones",
    "named_id", "source", "said_first_visit", "owner_present", "declined_former", "standin",
    "appointment_entered", "brought_by_id", "corrects_id",
)  # fmt: skip
_RECORDED_AT = _REGISTRATION_COLUMNS.index("recorded_at")
_CORRECTS = _REGISTRATION_COLUMNS.index("corrects_id")
_REFERRAL_COLUMNS = ("id", "referrer_id", "referred_id", "named_id", "announced_at", "accompanied")
_DECISION_COLUMNS = (
    "id", "customer_id", "kind", "decided_at", "owner_id", "json:performance", "json:commission", "reason",
    "party_id", "until",
)  # fmt: skip
_REPORT_COLUMNS = (
    "id", "agent_id", "customer_name", "phone_prefix", "phone_suffix", "reported_at", "expected_date", "team",
    "rereports", "status",
)  # fmt: skip


def _facts_of(ids: set[int]) -> list[ownership.Fact]:
    by_kind: dict[str, list[list[Any]]] = {}
    for kind, values in _rows(_records_sql(connection.vendor), ids):
        by_kind.setdefault(kind, []).append(json.loads(values))
    registrations = by_kind.get("registration", [])
    corrected = {row[_CORRECTS] for row in registrations if row[_CORRECTS]}
    first_recorded = _first_recorded(registrations)
    facts: list[ownership.Fact] = [
        _registration(row, first_recorded[row[0]]) for row in registrations if row[0] not in corrected
    ]
    for kind, fact in _FACTS.items():
        facts += [fact(row) for row in by_kind.get(kind, ())]
    return facts


def _rows(sql: str, ids: set[int]) -> list[tuple[Any, ...]]:
    """``sql`` run for these customers (each ``{ids}`` in it stands for their ids)."""
    if not ids:
        return []
    ordered = sorted(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=", ".join(["%s"] * len(ordered))), ordered * sql.count("{ids}"))
        return cursor.fetchall()


def _moment(value: str | None) -> dt.datetime | None:
    """A stored time from its JSON text: PostgreSQL writes the offset, SQLite stores UTC without one."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _at(value: str) -> dt.datetime:
    moment = _moment(value)
    assert moment is not None  # a column that is never null
    return moment


def _flag(value: bool | int | None) -> bool | None:
    return None if value is None else bool(value)


def _label(value: int | None) -> str | None:
    return str(value) if value else None


def _first_recorded(registrations: list[list[Any]]) -> dict[int, dt.datetime]:
    """SEC-05: a correction ranks as its original was recorded, so correcting never jumps the line."""
    by_id = {row[0]: row for row in registrations}
    first: dict[int, dt.datetime] = {}
    for row in registrations:
        root = row
        while root[_CORRECTS] and root[_CORRECTS] in by_id:
            root = by_id[root[_CORRECTS]]
        first[row[0]] = _at(root[_RECORDED_AT])
    return first


def _registration(row: Sequence[Any], first_recorded: dt.datetime) -> ownership.Registration:
    (
        pk, customer_id, salesperson_id, kind, contact_at, _recorded_at, complete, name, phones, named_id,
        source, said_first_visit, owner_present, declined_former, standin, appointment_entered,
        brought_by_id, _corrects_id,
    ) = row  # fmt: skip
    contact = _at(contact_at)
    return ownership.Registration(
        id=f"r{pk}",
        customer=str(customer_id),
        salesperson=str(salesperson_id),
        channel=kind,
        contact_at=contact,
        recorded_at=max(first_recorded, contact),
        complete=bool(complete),
        name=name,
        phones=tuple(phones),
        named=_label(named_id),
        source=source,
        said_first_visit=_flag(said_first_visit),
        owner_present=_flag(owner_present),
        declined_former=bool(declined_former),
        standin=bool(standin),
        appointment_entered=bool(appointment_entered),
        brought_by=_label(brought_by_id),
    )


def _follow_up(row: Sequence[Any]) -> ownership.FollowUp:
    pk, customer_id, salesperson_id, at, reached, recorded_at = row
    moment = _at(at)
    return ownership.FollowUp(
        id=f"f{pk}",
        customer=str(customer_id),
        salesperson=str(salesperson_id),
        at=moment,
        reached=bool(reached),
        recorded_at=max(_at(recorded_at), moment),
    )


def _relation(row: Sequence[Any]) -> ownership.Relation:
    pk, a_id, b_id, kind, recorded_at = row
    return ownership.Relation(
        id=f"x{pk}", a=str(a_id), b=str(b_id), relation=kind, recorded_at=_moment(recorded_at)
    )


def _referral(row: Sequence[Any]) -> ownership.Referral:
    pk, referrer_id, referred_id, named_id, announced_at, accompanied = row
    return ownership.Referral(
        id=f"y{pk}",
        referrer=str(referrer_id),
        referred=str(referred_id),
        named=_label(named_id),
        announced_at=_moment(announced_at),
        accompanied=bool(accompanied),
    )


def _relationship(row: Sequence[Any]) -> ownership.RelationshipCustomer:
    pk, salesperson_id, customer_id, recorded_at = row
    return ownership.RelationshipCustomer(
        id=f"z{pk}", salesperson=str(salesperson_id), customer=str(customer_id), recorded_at=_at(recorded_at)
    )


def _deposit(row: Sequence[Any]) -> ownership.Deposit:
    pk, customer_id, salesperson_id, kind, at, cancelled_at = row
    return ownership.Deposit(
        id=f"d{pk}",
        customer=str(customer_id),
        salesperson=str(salesperson_id),
        kind=kind,
        at=_at(at),
        cancelled=cancelled_at is not None,
    )


def _stored_decision(row: Sequence[Any]) -> ownership.Decision:
    pk, customer_id, kind, decided_at, owner_id, performance, commission, reason, party_id, until = row
    return _decision(
        pk, customer_id, kind, _at(decided_at), owner_id, performance, commission, reason, party_id,
        dt.date.fromisoformat(until) if until else None,
    )  # fmt: skip


def decision_fact(row: OwnershipDecision) -> ownership.Decision:
    return _decision(
        row.pk, row.customer_id, row.kind, row.decided_at, row.owner_id, row.performance, row.commission,
        row.reason, row.party_id, row.until,
    )  # fmt: skip


def _decision(
    pk: int | None,
    customer_id: int,
    kind: str,
    decided_at: dt.datetime,
    owner_id: int | None,
    performance: dict[str, str] | None,
    commission: dict[str, str] | None,
    reason: str,
    party_id: int | None,
    until: dt.date | None,
) -> ownership.Decision:
    return ownership.Decision(
        id=f"m{pk}",
        customer=str(customer_id),
        kind=kind,
        at=decided_at,
        owner=_label(owner_id),
        performance=_shares(performance),
        commission=_shares(commission),
        reason=reason,
        party=_label(party_id),
        until=until,
    )


def _shares(stored: dict[str, str] | None) -> dict[str, Decimal] | None:
    return None if stored is None else {label: Decimal(share) for label, share in stored.items()}


def _stored_channel_report(row: Sequence[Any]) -> ownership.ChannelReport:
    pk, agent_id, customer_name, prefix, suffix, reported_at, expected_date, team, rereports, status = row
    return _channel_report(
        pk, agent_id, customer_name, prefix, suffix, _at(reported_at), dt.date.fromisoformat(expected_date),
        team, rereports, status,
    )  # fmt: skip


def channel_report_fact(row: ChannelReport) -> ownership.ChannelReport:
    return _channel_report(
        row.pk, row.agent_id, row.customer_name, row.phone_prefix, row.phone_suffix, row.reported_at,
        row.expected_date, row.team, row.rereports, row.status,
    )  # fmt: skip


def _channel_report(
    pk: int | None,
    agent_id: int,
    customer_name: str,
    phone_prefix: str,
    phone_suffix: str,
    reported_at: dt.datetime,
    expected_date: dt.date,
    team: str,
    rereports: int,
    status: str,
) -> ownership.ChannelReport:
    return ownership.ChannelReport(
        id=f"k{pk}",
        agent=str(agent_id),
        customer_name=customer_name,
        masked_phone=f"{phone_prefix}***{phone_suffix}",
        reported_at=reported_at,
        expected_at=expected_date,
        team=team,
        rereports=rereports,
        cancelled=status == ChannelReport.Status.CANCELLED,
    )


_FACTS: dict[str, Callable[[Sequence[Any]], ownership.Fact]] = {
    "follow_up": _follow_up,
    "relation": _relation,
    "referral": _referral,
    "relationship": _relationship,
    "deposit": _deposit,
    "decision": _stored_decision,
    "channel_report": _stored_channel_report,
}
