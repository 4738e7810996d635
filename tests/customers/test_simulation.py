"""OWN-19: the what-if request of POST /api/v1/ownership/simulate/, parsed and answered (customers.simulation)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from customers.ownership import Decision, Registration, decide
from customers.simulation import RESPONSE_KEYS, SimulationError, parse_request, render_response, simulate
from salesoffice.core.policy import Policy

TZ = ZoneInfo("Asia/Shanghai")

# The example of customers.md OWN-19, with the elided times filled in.
EXAMPLE: dict[str, Any] = {
    "site": 1,
    "at": "2026-04-01T10:00:00+08:00",
    "policy": {"visit_protection_days": 15},
    "facts": [
        {
            "kind": "registration",
            "id": "r1",
            "customer": "c1",
            "salesperson": "A",
            "channel": "visit",
            "name": "张三",
            "phones": ["13812345678"],
            "complete": True,
            "contact_at": "2026-03-01T10:00:00+08:00",
            "recorded_at": "2026-03-01T10:20:00+08:00",
            "named": None,
            "source": "walk_in",
        },
        {
            "kind": "follow_up",
            "id": "f1",
            "customer": "c1",
            "salesperson": "A",
            "at": "2026-03-10T15:00:00+08:00",
            "reached": True,
        },
        {"kind": "relation", "id": "x1", "a": "c1", "b": "c2", "relation": "spouse"},
        {
            "kind": "referral",
            "id": "y1",
            "referrer": "c1",
            "referred": "c2",
            "named": "A",
            "announced_at": None,
        },
        {
            "kind": "relationship_customer",
            "id": "z1",
            "salesperson": "A",
            "customer": "c3",
            "recorded_at": "2026-03-02T09:00:00+08:00",
        },
        {
            "kind": "deposit",
            "id": "d1",
            "customer": "c1",
            "salesperson": "A",
            "type": "large",
            "at": "2026-03-25T11:00:00+08:00",
        },
        {
            "kind": "decision",
            "id": "m1",
            "customer": "c1",
            "owner": "B",
            "performance": {"B": 100},
            "commission": {"A": 50, "B": 50},
            "reason": "arbitration",
            "at": "2026-03-27T16:00:00+08:00",
        },
        {
            "kind": "channel_report",
            "id": "k1",
            "agent": "X",
            "customer_name": "孙八",
            "masked_phone": "139***12345",
            "reported_at": "2026-03-02T09:00:00+08:00",
            "expected_at": "2026-03-03T10:00:00+08:00",
        },
    ],
}


def example() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLE)


def errors_of(data: object) -> dict[str, str]:
    with pytest.raises(SimulationError) as raised:
        parse_request(data, base_policy=Policy())
    return raised.value.errors


def test_own_19_example_request_round_trips_to_the_response_shape() -> None:
    """OWN-19: the specification's example parses, and every customer answers with exactly the response keys."""
    response = simulate(example(), base_policy=Policy(), tz=TZ)
    assert set(response) == {"customers"}
    assert set(response["customers"]) == {"c1", "c2", "c3"}
    for answer in response["customers"].values():
        assert tuple(answer) == RESPONSE_KEYS
    c1 = response["customers"]["c1"]
    assert c1 == {
        "owner": "B",
        "public_pool": False,
        "protected_until": None,
        "performance": {"B": 100},
        "commission": {"A": 50, "B": 50},
        "channel": None,
        "rules": ["OWN-01", "OWN-04", "DISP-02"],
        "facts": ["r1", "f1", "d1", "m1"],
    }
    # A's relationship record protected c3 through 2026-03-17 only (15 days); by 04-01 it lapsed.
    assert response["customers"]["c3"]["public_pool"] is True
    assert response["customers"]["c3"]["rules"] == ["OWN-04"]
    assert response["customers"]["c3"]["facts"] == ["z1"]
    assert response["customers"]["c2"]["public_pool"] is True


def test_own_19_policy_overrides_apply_to_this_call_only() -> None:
    """OWN-19: visit_protection_days 15 from the request; the base policy object is unchanged."""
    base = Policy()
    request = parse_request(example(), base_policy=base)
    assert request.policy.visit_protection_days == 15
    assert base.visit_protection_days == 30
    assert request.site == 1
    assert request.at == dt.datetime(2026, 4, 1, 10, tzinfo=TZ)


def test_own_19_parsed_facts_are_the_engine_dataclasses() -> None:
    """OWN-19: the JSON ``type`` of a deposit or decision becomes the dataclass ``kind``; defaults fill the rest."""
    facts = {fact.id: fact for fact in parse_request(example(), base_policy=Policy()).facts}
    registration = facts["r1"]
    assert isinstance(registration, Registration)
    assert registration.phones == ("13812345678",)
    assert registration.said_first_visit is None
    decision = facts["m1"]
    assert isinstance(decision, Decision)
    assert decision.kind == "dispute"
    assert decision.commission == {"A": Decimal(50), "B": Decimal(50)}


def test_own_19_simulation_and_engine_give_the_same_verdicts() -> None:
    """OWN-19: the same function serves recorded and simulated verdicts."""
    request = parse_request(example(), base_policy=Policy())
    direct = render_response(decide(request.facts, policy=request.policy, at=request.at, tz=TZ))
    assert direct == simulate(example(), base_policy=Policy(), tz=TZ)


def test_own_19_channel_and_door_fields_are_accepted() -> None:
    """OWN-19 + CHAN-03: a first visit of 孙八 matches X's report; the door fields of OWN-05 parse."""
    data = example()
    data["facts"].append(
        {
            "kind": "registration",
            "id": "r9",
            "customer": "c9",
            "salesperson": "C",
            "channel": "visit",
            "name": "孙八",
            "phones": ["13900012345"],
            "complete": True,
            "contact_at": "2026-03-05T10:00:00+08:00",
            "recorded_at": "2026-03-05T10:10:00+08:00",
            "said_first_visit": True,
            "owner_present": False,
            "declined_former": False,
        }
    )
    answer = simulate(data, base_policy=Policy(), tz=TZ)["customers"]["c9"]
    assert answer["channel"] == {"agent": "X", "report": "k1", "team": "", "rule": "CHAN-03"}


def test_own_19_uneven_shares_render_without_floats() -> None:
    """OWN-19: a share in cents stays a Decimal (never a float); whole shares are integers."""
    data = example()
    data["facts"][6]["commission"] = {"A": "33.34", "B": "33.33", "C": "33.33"}
    commission = simulate(data, base_policy=Policy(), tz=TZ)["customers"]["c1"]["commission"]
    assert commission == {"A": Decimal("33.34"), "B": Decimal("33.33"), "C": Decimal("33.33")}
    assert not any(isinstance(value, float) for value in commission.values())


def test_own_19_unknown_kind_is_named() -> None:
    data = example()
    data["facts"].append({"kind": "telepathy", "id": "t1"})
    errors = errors_of(data)
    assert "facts[8].kind" in errors
    assert "telepathy" in errors["facts[8].kind"]


def test_own_19_unknown_fields_are_named_everywhere() -> None:
    data = example()
    data["facts"][0]["colour"] = "red"
    data["facts"][5]["amount"] = 1
    data["extra"] = True
    errors = errors_of(data)
    assert errors["facts[0].colour"] == "unknown field for a registration"
    assert errors["facts[5].amount"] == "unknown field for a deposit"
    assert errors["extra"] == "unknown field"


def test_own_19_malformed_facts_report_every_error_with_its_path() -> None:
    data = example()
    del data["facts"][0]["salesperson"]
    data["facts"][0]["contact_at"] = "2026-03-01T10:00:00"
    data["facts"][1]["reached"] = "yes"
    data["facts"][2]["relation"] = "neighbour"
    data["facts"][5]["type"] = "huge"
    data["facts"][6]["commission"] = {"A": 50, "B": 40}
    data["facts"][7]["masked_phone"] = "13900012345"
    errors = errors_of(data)
    assert errors["facts[0].salesperson"] == "required"
    assert "UTC offset" in errors["facts[0].contact_at"]
    assert errors["facts[1].reached"] == "must be true or false"
    assert errors["facts[2].relation"].startswith("must be one of")
    assert errors["facts[5].type"] == "must be one of small, large"
    assert "sum to 100" in errors["facts[6].commission"]
    assert "masked_phone" in errors["facts[7]"]


def test_own_19_cross_field_and_duplicate_errors() -> None:
    data = example()
    data["facts"][0]["recorded_at"] = "2026-02-28T10:00:00+08:00"
    data["facts"][1]["id"] = "x1"
    data["facts"][6]["type"] = "pool_distribution"
    data["facts"][6]["owner"] = None
    errors = errors_of(data)
    assert "recorded_at" in errors["facts[0]"]
    assert errors["facts[2].id"] == "duplicate id 'x1'"
    assert "must name the owner" in errors["facts[6]"]


def test_own_19_unknown_or_invalid_policy_overrides_are_named() -> None:
    """OWN-19: policy overrides go through Policy.with_overrides; its PolicyError is reported per field."""
    data = example()
    data["policy"] = {"visit_protection_dayz": 15, "call_ownership": "whoever", "call_protection_days": 0}
    errors = errors_of(data)
    assert errors["policy.visit_protection_dayz"] == "unknown policy field"
    assert errors["policy.call_ownership"].startswith("must be one of")
    assert "between" in errors["policy.call_protection_days"]


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ([], ""),
        ({"site": 1, "facts": []}, "at"),
        ({"at": "2026-04-01T10:00:00+08:00", "facts": []}, "site"),
        ({"site": 1, "at": "2026-04-01T10:00:00+08:00"}, "facts"),
        ({"site": 1, "at": "2026-04-01T10:00:00+08:00", "facts": {}}, "facts"),
        ({"site": 1, "at": "2026-04-01T10:00:00+08:00", "facts": [], "policy": []}, "policy"),
        ({"site": True, "at": "2026-04-01T10:00:00+08:00", "facts": []}, "site"),
        ({"site": 1, "at": "tomorrow", "facts": []}, "at"),
        ({"site": 1, "at": "2026-04-01T10:00:00+08:00", "facts": ["r1"]}, "facts[0]"),
    ],
)
def test_own_19_malformed_requests(data: object, path: str) -> None:
    assert path in errors_of(data)


def test_own_19_empty_facts_answer_no_customers() -> None:
    data = {"site": 1, "at": "2026-04-01T10:00:00+08:00", "facts": []}
    assert simulate(data, base_policy=Policy(), tz=TZ) == {"customers": {}}
