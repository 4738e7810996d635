"""ROTA-10: the simulate request (reception/simulation.py): parsing, replay and the response shape."""

import pytest

from reception.simulation import SimulationError, parse_request, simulate
from salesoffice.core.policy import Policy

EXAMPLE = {
    "site": 1,
    "policy": {"makeup_with_own_customer": "each"},
    "queue": ["A", "B", "C", "D"],
    "events": [
        {"kind": "status", "who": "A", "status": "on_break"},
        {"kind": "walk_in", "type": "new", "stays": True},
        {"kind": "walk_in", "type": "designated", "named": "C"},
        {"kind": "walk_in", "type": "returning", "owner": "B"},
        {"kind": "finish", "who": "B"},
        {"kind": "walk_in", "type": "non_customer"},
    ],
}
ENTRY_KEYS = ["event", "receiver", "counted", "skipped", "rules"]


def request(*events, queue=("A", "B", "C", "D"), policy=None):
    return {"site": 1, "policy": policy or {}, "queue": list(queue), "events": list(events)}


def errors_of(data, **kwargs):
    with pytest.raises(SimulationError) as error:
        simulate(data, **kwargs)
    return error.value.errors


def test_rota_10_example_request_gives_the_specified_response():
    response = simulate(EXAMPLE)

    assert list(response) == ["events", "queue", "turns", "tokens", "waiting"]
    assert all(list(entry) == ENTRY_KEYS for entry in response["events"])
    assert response == {
        "events": [
            {"event": 0, "receiver": None, "counted": False, "skipped": [], "rules": ["ROTA-01"]},
            {
                "event": 1,
                "receiver": "B",
                "counted": True,
                "skipped": [{"who": "A", "reason": "on_break", "outcome": "lose"}],
                "rules": ["ROTA-02", "ROTA-03"],
            },
            {"event": 2, "receiver": "C", "counted": True, "skipped": [], "rules": ["ROTA-02"]},
            {"event": 3, "receiver": "C", "counted": False, "skipped": [], "rules": ["ROTA-02", "ROTA-07"]},
            {"event": 4, "receiver": None, "counted": False, "skipped": [], "rules": ["ROTA-05"]},
            {"event": 5, "receiver": "D", "counted": False, "skipped": [], "rules": ["ROTA-02"]},
        ],
        "queue": ["D", "A", "B", "C"],
        "turns": {"A": 0, "B": 1, "C": 1, "D": 0},
        "tokens": {"A": 0, "B": 0, "C": 0, "D": 0},
        "waiting": [],
    }


def test_rota_10_s_rota_7_finish_hands_the_waiting_walk_in_over():
    """S-ROTA-7 as a what-if: the finish entry carries ``assigned``."""
    response = simulate(
        request(
            {"kind": "walk_in", "type": "new", "stays": True},
            {"kind": "walk_in", "type": "new", "stays": True},
            {"kind": "walk_in", "type": "new", "stays": True},
            {"kind": "finish", "who": "B"},
            queue=("A", "B"),
        )
    )

    waiting, finish = response["events"][2], response["events"][3]
    assert waiting == {"event": 2, "receiver": None, "counted": False, "skipped": [], "rules": ["ROTA-02"]}
    assert list(finish) == [*ENTRY_KEYS, "assigned"]
    assert finish["assigned"] == {"event": 2, "receiver": "B"}
    assert finish["receiver"] is None
    assert response["turns"] == {"A": 1, "B": 2}
    assert response["waiting"] == []


def test_rota_10_walk_ins_still_waiting_are_listed_by_event_index():
    response = simulate(
        request(
            {"kind": "walk_in", "type": "new", "stays": True},
            {"kind": "walk_in", "type": "group"},
            {"kind": "walk_in", "type": "non_customer"},
            queue=("A",),
        )
    )

    assert response["waiting"] == [1, 2]


def test_rota_10_s_rota_3_tokens_owed_are_reported():
    """S-ROTA-3 as a what-if: A owes one make-up, then uses it."""
    events = [
        {"kind": "walk_in", "type": "returning", "owner": "A", "stays": True},
        {"kind": "walk_in", "type": "new"},
        {"kind": "walk_in", "type": "new"},
        {"kind": "walk_in", "type": "new"},
    ]
    response = simulate(request(*events))
    assert [e["receiver"] for e in response["events"]] == ["A", "B", "C", "D"]
    assert response["tokens"]["A"] == 1

    response = simulate(request(*events, {"kind": "finish", "who": "A"}, {"kind": "walk_in", "type": "new"}))

    assert response["events"][-1]["receiver"] == "A"
    assert response["events"][-1]["rules"] == ["ROTA-02", "ROTA-04"]
    assert response["tokens"]["A"] == 0


def test_rota_10_draft_policy_overrides_the_sites_policy():
    events = [{"kind": "walk_in", "type": "designated", "named": "C"}]
    base = Policy(designated_turn="never")

    assert simulate(request(*events), base=base)["events"][0]["counted"] is False
    assert simulate(request(*events, policy={"designated_turn": "counts"}), base=base)["turns"]["C"] == 1


def test_rota_10_manager_transfer_and_reorder_in_a_what_if():
    response = simulate(
        request(
            {"kind": "walk_in", "type": "new", "stays": True},
            {"kind": "transfer", "from": "A", "to": "C", "reason": "A called to the bank"},
            {"kind": "reorder", "order": ["D", "C", "B", "A"], "by": "supervisor", "reason": "fix"},
        )
    )

    assert response["events"][1]["rules"] == ["ROTA-05"]
    assert response["queue"] == ["D", "C", "B", "A"]


def test_rota_10_unknown_fields_are_named():
    data = request(
        {"kind": "walk_in", "type": "new", "colour": "red"},
        {"kind": "walk_in", "type": "new", "owner": "A"},
        {"kind": "status", "who": "A", "status": "on_break", "mood": "tired"},
    )
    data["extra"] = 1

    assert errors_of(data) == {
        "extra": "unknown field",
        "events[0].colour": "unknown field",
        "events[1].owner": "unknown field",
        "events[2].mood": "unknown field",
    }


def test_rota_10_unknown_walk_in_types_kinds_and_statuses_are_named():
    errors = errors_of(
        request(
            {"kind": "walk_in", "type": "vip"},
            {"kind": "dance", "who": "A"},
            {"kind": "status", "who": "A", "status": "asleep"},
        )
    )

    assert set(errors) == {"events[0].type", "events[1].kind", "events[2].status"}
    assert "'vip' is not one of new, designated" in errors["events[0].type"]


def test_rota_10_names_not_on_the_queue_are_named():
    errors = errors_of(
        request(
            {"kind": "walk_in", "type": "designated", "named": "Z"},
            {"kind": "walk_in", "type": "returning", "owner": "Y"},
            {"kind": "walk_in", "type": "new", "refused_by": ["A", "X"]},
            {"kind": "finish", "who": "W"},
        )
    )

    assert errors == {
        "events[0].named": "'Z' is not on the queue",
        "events[1].owner": "'Y' is not on the queue",
        "events[2].refused_by[1]": "'X' is not on the queue",
        "events[3].who": "'W' is not on the queue",
    }


def test_rota_10_bad_types_and_missing_fields_are_named():
    errors = errors_of(
        {
            "site": "one",
            "policy": {"phone_lines": "two", "colour": "red"},
            "queue": ["A", "A"],
            "events": [
                {"kind": "walk_in", "type": "designated", "stays": "yes"},
                {"kind": "walk_in", "type": "returning"},
                "not an event",
            ],
        }
    )

    assert errors == {
        "queue": "names must not repeat",
        "site": "must be the id of a sales site",
        "policy.phone_lines": "must be a whole number",
        "policy.colour": "unknown policy field",
        "events[0].named": "this field is required",
        "events[0].stays": "must be true or false",
        "events[1].owner": "this field is required",
        "events[2]": "must be an object",
    }


@pytest.mark.parametrize("data", [[], "x", None])
def test_rota_10_request_must_be_an_object(data):
    assert errors_of(data) == {"": "the request must be a JSON object"}


def test_rota_10_missing_queue_and_events():
    errors = errors_of({"site": 1})

    assert errors == {
        "queue": "must be a non-empty list of salespeople's names",
        "events": "must be a list of events",
    }


def test_rota_10_an_event_the_rota_refuses_is_reported_at_its_index():
    errors = errors_of(
        request(
            {"kind": "walk_in", "type": "new", "stays": True},
            {"kind": "walk_in", "type": "new", "assigned_to": "A", "reason": "regular"},
        )
    )

    assert list(errors) == ["events[1]"]
    assert "A is receiving a customer" in errors["events[1]"]


def test_rota_10_salesperson_changing_anothers_status_is_refused():
    errors = errors_of(request({"kind": "status", "who": "A", "status": "on_break", "by": "B"}))

    assert errors == {"events[0]": "B may change only their own status, not A's"}


def test_rota_10_parse_keeps_the_site_and_builds_events():
    parsed = parse_request(EXAMPLE)

    assert parsed.site == 1
    assert parsed.queue == ("A", "B", "C", "D")
    assert parsed.policy.makeup_with_own_customer == "each"
    assert len(parsed.events) == 6
