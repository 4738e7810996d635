"""OWN-19 what-if: the JSON of ``POST /api/v1/ownership/simulate/`` in, the JSON of its answer out.

Pure: ``parse_request`` validates the request field by field into the engine's facts and a policy with
the request's overrides, raising ``SimulationError`` with every problem at once (field path → message);
``render_response`` gives the verdicts the response's exact shape. The API view only adds the site's
stored policy and time zone, and turns ``SimulationError`` into a 400. In the JSON a fact's ``kind``
names the fact, so the deposit's and the decision's own kind travel as ``type``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from customers.ownership import (
    DECISION_KINDS,
    DEPOSIT_KINDS,
    REGISTRATION_CHANNELS,
    RELATIONS,
    SITE_TZ,
    SOURCES,
    ChannelMatch,
    ChannelReport,
    Decision,
    Deposit,
    Fact,
    FollowUp,
    Referral,
    Registration,
    Relation,
    RelationshipCustomer,
    Verdict,
    decide,
)
from customers.ownership.shares import check_shares
from salesoffice.core.policy import Policy, PolicyError

RESPONSE_KEYS = (
    "owner",
    "public_pool",
    "protected_until",
    "performance",
    "commission",
    "channel",
    "rules",
    "facts",
)
_REQUEST_KEYS = ("site", "at", "policy", "facts")


class SimulationError(ValueError):
    """A request that cannot be simulated; ``errors`` maps each field path (``facts[2].at``) to a message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


@dataclasses.dataclass(frozen=True)
class SimulationRequest:
    site: int
    at: dt.datetime
    policy: Policy
    facts: tuple[Fact, ...]


def simulate(data: object, *, base_policy: Policy, tz: ZoneInfo = SITE_TZ) -> dict[str, Any]:
    """OWN-19: parse, decide under the site's policy with the request's overrides, render."""
    request = parse_request(data, base_policy=base_policy)
    return render_response(decide(request.facts, policy=request.policy, at=request.at, tz=tz))


def render_response(verdicts: Mapping[str, Verdict]) -> dict[str, Any]:
    """The response of OWN-19: ``{"customers": {label: {owner, public_pool, protected_until, ...}}}``.

    Shares are whole numbers where they are whole; a share in cents stays a ``Decimal`` for the API's
    JSON encoder, never a float.
    """
    return {
        "customers": {customer: _render_verdict(verdict) for customer, verdict in sorted(verdicts.items())}
    }


def _render_verdict(verdict: Verdict) -> dict[str, Any]:
    rendered = {
        "owner": verdict.owner,
        "public_pool": verdict.public_pool,
        "protected_until": verdict.protected_until.isoformat() if verdict.protected_until else None,
        "performance": _render_shares(verdict.performance),
        "commission": _render_shares(verdict.commission),
        "channel": _render_channel(verdict.channel),
        "rules": list(verdict.rules),
        "facts": list(verdict.facts),
    }
    assert tuple(rendered) == RESPONSE_KEYS
    return rendered


def _render_shares(shares: Mapping[str, Decimal]) -> dict[str, int | Decimal]:
    return {
        label: int(share) if share == share.to_integral_value() else share for label, share in shares.items()
    }


def _render_channel(channel: ChannelMatch | None) -> dict[str, Any] | None:
    if channel is None:
        return None
    return {"agent": channel.agent, "report": channel.report, "team": channel.team, "rule": channel.rule}


# --- parsing -----------------------------------------------------------------------------------------


def parse_request(data: object, *, base_policy: Policy) -> SimulationRequest:
    """Validate the whole request; every error is collected before raising ``SimulationError``."""
    errors: dict[str, str] = {}
    if not isinstance(data, Mapping):
        raise SimulationError({"": "the request must be a JSON object"})
    for key in data:
        if key not in _REQUEST_KEYS:
            errors[str(key)] = "unknown field"
    site = _top_level(data, "site", _site, errors)
    at = _top_level(data, "at", _moment, errors)
    policy = _policy(data.get("policy", {}), base_policy, errors)
    facts = _facts(data.get("facts"), errors)
    if errors:
        raise SimulationError(errors)
    return SimulationRequest(site=site, at=at, policy=policy, facts=facts)


def _top_level(data: Mapping[str, Any], key: str, parse: Callable[[Any], Any], errors: dict[str, str]) -> Any:
    if key not in data:
        errors[key] = "required"
        return None
    try:
        return parse(data[key])
    except ValueError as error:
        errors[key] = str(error)
        return None


def _policy(overrides: object, base_policy: Policy, errors: dict[str, str]) -> Policy:
    if not isinstance(overrides, Mapping):
        errors["policy"] = "must be an object of policy fields"
        return base_policy
    try:
        return base_policy.with_overrides(overrides)
    except PolicyError as error:
        for name, (_, message) in error.errors.items():
            errors[f"policy.{name}"] = message
        return base_policy


def _facts(raw: object, errors: dict[str, str]) -> tuple[Fact, ...]:
    if raw is None:
        errors["facts"] = "required"
        return ()
    if not isinstance(raw, list):
        errors["facts"] = "must be a list of facts"
        return ()
    facts: list[Fact] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path = f"facts[{index}]"
        fact = _fact(item, path, errors)
        if fact is None:
            continue
        if fact.id in seen:
            errors[f"{path}.id"] = f"duplicate id {fact.id!r}"
        seen.add(fact.id)
        facts.append(fact)
    return tuple(facts)


def _fact(item: object, path: str, errors: dict[str, str]) -> Fact | None:
    if not isinstance(item, Mapping):
        errors[path] = "must be an object"
        return None
    kind = item.get("kind")
    if kind not in _SCHEMAS:
        errors[f"{path}.kind"] = f"unknown kind {kind!r}; expected one of " + ", ".join(_SCHEMAS)
        return None
    factory, schema = _SCHEMAS[kind]
    values: dict[str, Any] = {}
    failed = False
    for key in item:
        if key != "kind" and key not in schema:
            errors[f"{path}.{key}"] = f"unknown field for a {kind}"
            failed = True
    for key, (parse, required, default) in schema.items():
        attribute = _ATTRIBUTES.get(key, key)
        if key not in item:
            if required:
                errors[f"{path}.{key}"] = "required"
                failed = True
            else:
                values[attribute] = default
            continue
        try:
            values[attribute] = parse(item[key])
        except ValueError as error:
            errors[f"{path}.{key}"] = str(error)
            failed = True
    if failed:
        return None
    try:
        fact: Fact = factory(**values)
    except ValueError as error:
        errors[path] = str(error)
        return None
    return fact


# --- value parsers: each raises ValueError with the message the caller sees --------------------------


def _site(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise ValueError("must be a site id")
    return int(raw)


def _label(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("must be a non-empty string")
    return raw


def _optional_label(raw: Any) -> str | None:
    return None if raw is None else _label(raw)


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError("must be a string")
    return raw


def _boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValueError("must be true or false")
    return raw


def _optional_boolean(raw: Any) -> bool | None:
    return None if raw is None else _boolean(raw)


def _moment(raw: Any) -> dt.datetime:
    if not isinstance(raw, str):
        raise ValueError("must be an ISO 8601 date-time with a UTC offset")
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time with a UTC offset") from None
    if moment.tzinfo is None:
        raise ValueError("must include a UTC offset (+08:00)")
    return moment


def _optional_moment(raw: Any) -> dt.datetime | None:
    return None if raw is None else _moment(raw)


def _day(raw: Any) -> dt.date:
    if not isinstance(raw, str):
        raise ValueError("must be an ISO 8601 date")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError("must be an ISO 8601 date") from None


def _optional_day(raw: Any) -> dt.date | None:
    return None if raw is None else _day(raw)


def _day_or_moment(raw: Any) -> dt.date:
    if isinstance(raw, str) and "T" in raw:
        return _moment(raw)
    return _day(raw)


def _phones(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(phone, str) and phone.strip() for phone in raw):
        raise ValueError("must be a list of phone numbers")
    return tuple(raw)


def _count(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValueError("must be a whole number, 0 or more")
    return int(raw)


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if raw not in options:
            raise ValueError("must be one of " + ", ".join(options))
        return str(raw)

    return parse


def _optional_shares(raw: Any) -> Mapping[str, Decimal] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValueError("must be an object of label: percentage")
    shares: dict[str, Decimal] = {}
    for label, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"share of {label!r} must be a number")
        try:
            shares[str(label)] = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"share of {label!r} must be a number") from None
    check_shares(shares, "shares")
    return shares


_Schema = dict[str, tuple[Callable[[Any], Any], bool, Any]]
_REQUIRED = True
_OPTIONAL = False

_REGISTRATION: _Schema = {
    "id": (_label, _REQUIRED, None),
    "customer": (_label, _REQUIRED, None),
    "salesperson": (_label, _REQUIRED, None),
    "channel": (_choice(REGISTRATION_CHANNELS), _REQUIRED, None),
    "contact_at": (_moment, _REQUIRED, None),
    "recorded_at": (_moment, _REQUIRED, None),
    "complete": (_boolean, _REQUIRED, None),
    "name": (_text, _OPTIONAL, ""),
    "phones": (_phones, _OPTIONAL, ()),
    "named": (_optional_label, _OPTIONAL, None),
    "source": (_choice(SOURCES), _OPTIONAL, "walk_in"),
    "said_first_visit": (_optional_boolean, _OPTIONAL, None),
    "owner_present": (_optional_boolean, _OPTIONAL, None),
    "declined_former": (_boolean, _OPTIONAL, False),
    "standin": (_boolean, _OPTIONAL, False),
    "concealed": (_boolean, _OPTIONAL, False),
    "appointment_entered": (_boolean, _OPTIONAL, False),
    "brought_by": (_optional_label, _OPTIONAL, None),
}
_FOLLOW_UP: _Schema = {
    "id": (_label, _REQUIRED, None),
    "customer": (_label, _REQUIRED, None),
    "salesperson": (_label, _REQUIRED, None),
    "at": (_moment, _REQUIRED, None),
    "reached": (_boolean, _REQUIRED, None),
    "recorded_at": (_optional_moment, _OPTIONAL, None),
}
_RELATION: _Schema = {
    "id": (_label, _REQUIRED, None),
    "a": (_label, _REQUIRED, None),
    "b": (_label, _REQUIRED, None),
    "relation": (_choice(RELATIONS), _REQUIRED, None),
    "recorded_at": (_optional_moment, _OPTIONAL, None),
}
_REFERRAL: _Schema = {
    "id": (_label, _REQUIRED, None),
    "referrer": (_label, _REQUIRED, None),
    "referred": (_label, _REQUIRED, None),
    "named": (_optional_label, _OPTIONAL, None),
    "announced_at": (_optional_moment, _OPTIONAL, None),
    "accompanied": (_boolean, _OPTIONAL, False),
    "introduced_at": (_optional_moment, _OPTIONAL, None),
}
_RELATIONSHIP_CUSTOMER: _Schema = {
    "id": (_label, _REQUIRED, None),
    "salesperson": (_label, _REQUIRED, None),
    "customer": (_label, _REQUIRED, None),
    "recorded_at": (_moment, _REQUIRED, None),
}
_DEPOSIT: _Schema = {
    "id": (_label, _REQUIRED, None),
    "customer": (_label, _REQUIRED, None),
    "salesperson": (_label, _REQUIRED, None),
    "type": (_choice(DEPOSIT_KINDS), _REQUIRED, None),
    "at": (_moment, _REQUIRED, None),
    "cancelled": (_boolean, _OPTIONAL, False),
}
_DECISION: _Schema = {
    "id": (_label, _REQUIRED, None),
    "customer": (_label, _REQUIRED, None),
    "type": (_choice(DECISION_KINDS), _OPTIONAL, "dispute"),
    "at": (_moment, _REQUIRED, None),
    "owner": (_optional_label, _OPTIONAL, None),
    "performance": (_optional_shares, _OPTIONAL, None),
    "commission": (_optional_shares, _OPTIONAL, None),
    "reason": (_text, _OPTIONAL, ""),
    "party": (_optional_label, _OPTIONAL, None),
    "until": (_optional_day, _OPTIONAL, None),
}
_CHANNEL_REPORT: _Schema = {
    "id": (_label, _REQUIRED, None),
    "agent": (_label, _REQUIRED, None),
    "customer_name": (_label, _REQUIRED, None),
    "masked_phone": (_text, _REQUIRED, None),
    "reported_at": (_moment, _REQUIRED, None),
    "expected_at": (_day_or_moment, _REQUIRED, None),
    "team": (_text, _OPTIONAL, ""),
    "rereports": (_count, _OPTIONAL, 0),
    "cancelled": (_boolean, _OPTIONAL, False),
    "evidence_before_visit": (_boolean, _OPTIONAL, False),
}
_SCHEMAS: dict[str, tuple[Callable[..., Fact], _Schema]] = {
    "registration": (Registration, _REGISTRATION),
    "follow_up": (FollowUp, _FOLLOW_UP),
    "relation": (Relation, _RELATION),
    "referral": (Referral, _REFERRAL),
    "relationship_customer": (RelationshipCustomer, _RELATIONSHIP_CUSTOMER),
    "deposit": (Deposit, _DEPOSIT),
    "decision": (Decision, _DECISION),
    "channel_report": (ChannelReport, _CHANNEL_REPORT),
}
# JSON names that differ from the dataclass attributes.
_ATTRIBUTES = {"type": "kind"}
