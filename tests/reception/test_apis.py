"""The rota's REST API (reception/apis.py): one endpoint per verb, site scoping (SEC-07),
S-ROTA-1 and S-ROTA-8 end to end, and the ROTA-10 simulate endpoint."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reception import services
from reception.models import Reception, RotaDay, RotaEvent, ShiftLog
from reception.recording import assignments, simulation_request
from reception.selectors import day_events
from salesoffice.core.models import ApiToken
from salesoffice.core.roles import Role
from salesoffice.core.services import token_create

pytestmark = pytest.mark.django_db


def url(name, site, **kwargs):
    return reverse(name, kwargs={"site_id": site.pk, **kwargs})


def sign_in_all(api, people, site):
    for person in people.values():
        assert api(person).post(url("api-rota-sign-in", site)).status_code == 200


def letters(people, ids):
    by_id = {person.pk: letter for letter, person in people.items()}
    return [by_id[value] for value in ids]


def test_rota_01_board_shows_queue_statuses_and_highlights(api, site, people):
    sign_in_all(api, people, site)
    response = api(people["A"]).get(url("api-rota", site))
    assert response.status_code == 200
    body = response.json()
    assert letters(people, [row["id"] for row in body["queue"]]) == ["A", "B", "C", "D"]
    assert letters(people, [body["up_next"], body["second"], body["duty_assistant"]]) == ["A", "B", "D"]
    assert letters(people, body["phone_duty"]) == ["D"]  # ROTA-06 default: the last k=1
    assert {row["status"] for row in body["queue"]} == {"available"}
    assert body["waiting"] == []


def test_s_rota_1_end_to_end(api, site, people):
    sign_in_all(api, people, site)
    response = api(people["C"]).post(url("api-rota-walk-in", site), {"type": "new"})
    assert response.status_code == 201
    body = response.json()
    assert body["receiver"] == people["A"].pk
    assert body["counted"] is True
    assert "ROTA-02" in body["rules"]
    board = api(people["C"]).get(url("api-rota", site)).json()
    assert letters(people, [row["id"] for row in board["queue"]]) == ["B", "C", "D", "A"]
    receiving = next(row for row in board["queue"] if row["id"] == people["A"].pk)
    assert (receiving["status"], receiving["turns"], receiving["walk_in"]) == ("receiving", 1, 1)


def test_s_rota_8_end_to_end(api, site, people, manager):
    sign_in_all(api, people, site)
    reception_id = (
        api(people["B"]).post(url("api-rota-walk-in", site), {"type": "new"}).json()["reception"]["id"]
    )
    events_before = RotaEvent.objects.count()
    refused = api(manager).post(
        url("api-rota-walk-in", site), {"type": "new", "assigned_to": people["A"].pk, "reason": "asked for A"}
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "receiver_busy"
    assert refused.json()["error"]["fields"]["assigned_to"]
    transfer = url("api-reception-transfer", site, pk=reception_id)
    assert api(people["A"]).post(transfer, {"to": people["B"].pk, "reason": "busy"}).status_code == 403
    assert api(manager).post(transfer, {"to": people["B"].pk}).status_code == 400
    assert RotaEvent.objects.count() == events_before
    response = api(manager).post(transfer, {"to": people["B"].pk, "reason": "A called to the contract desk"})
    assert response.status_code == 200
    assert response.json()["receiver"] == people["B"].pk
    assert RotaEvent.objects.filter(kind="transfer", actor=manager).exists()


def test_rota_01_double_sign_in_is_400(api, site, people):
    client = api(people["A"])
    assert client.post(url("api-rota-sign-in", site)).status_code == 200
    response = client.post(url("api-rota-sign-in", site))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "already_signed_in"
    assert RotaEvent.objects.count() == 1


def test_rota_01_salesperson_changing_someone_elses_status_is_403(api, site, people):
    sign_in_all(api, people, site)
    state_before = RotaDay.objects.get().state
    response = api(people["A"]).post(
        url("api-rota-status", site), {"salesperson": people["B"].pk, "status": "on_break", "reason": "lunch"}
    )
    assert response.status_code == 403
    assert RotaDay.objects.get().state == state_before


def test_rota_05_finishing_a_reception_that_is_not_open_is_400(api, site, people):
    sign_in_all(api, people, site)
    reception_id = (
        api(people["B"]).post(url("api-rota-walk-in", site), {"type": "new"}).json()["reception"]["id"]
    )
    finish = url("api-reception-finish", site, pk=reception_id)
    assert api(people["A"]).post(finish, {"outcome": "left_before_registration"}).status_code == 200
    response = api(people["A"]).post(finish, {"outcome": "not_a_customer"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "reception_not_open"
    assert Reception.objects.get().outcome == "left_before_registration"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("api-rota", None),
        ("api-rota-sign-in", {}),
        ("api-rota-status", {"status": "on_break"}),
        ("api-rota-walk-in", {"type": "new"}),
        ("api-rota-reorder", {"order": [1], "reason": "x"}),
        ("api-shift-log", {"text": "x"}),
    ],
)
def test_sec_07_another_sites_rota_is_not_found(name, data, api, site, other_site, staff):
    stranger = staff(Role.MANAGER, other_site)
    client = api(stranger)
    response = client.get(url(name, site)) if data is None else client.post(url(name, site), data)
    assert response.status_code == 404
    assert RotaDay.objects.count() == 0
    assert ShiftLog.objects.count() == 0


def test_sec_07_another_sites_reception_is_not_found(api, site, other_site, people, staff):
    sign_in_all(api, people, site)
    reception_id = (
        api(people["B"]).post(url("api-rota-walk-in", site), {"type": "new"}).json()["reception"]["id"]
    )
    stranger = staff(Role.SALESPERSON, other_site)
    response = api(stranger).post(
        url("api-reception-finish", other_site, pk=reception_id), {"outcome": "not_a_customer"}
    )
    assert response.status_code == 404
    assert Reception.objects.get().is_open


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"type": "alien"}, "type"),
        ({"type": "designated"}, "named"),
        ({"type": "designated", "named": 999999}, "named"),
        ({"type": "new", "refused_by": ["x"]}, "refused_by"),
    ],
)
def test_sec_07_bad_walk_in_is_400_with_the_field_and_nothing_changed(data, field, api, site, people):
    sign_in_all(api, people, site)
    state_before = RotaDay.objects.get().state
    response = api(people["A"]).post(url("api-rota-walk-in", site), data)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert RotaDay.objects.get().state == state_before
    assert Reception.objects.count() == 0


def test_rota_05_reorder_by_manager_and_refused_for_salesperson(api, site, people, manager):
    sign_in_all(api, people, site)
    order = [people[x].pk for x in "DCBA"]
    assert (
        api(people["A"]).post(url("api-rota-reorder", site), {"order": order, "reason": "x"}).status_code
        == 403
    )
    response = api(manager).post(
        url("api-rota-reorder", site), {"order": order, "reason": "late shift first"}
    )
    assert response.status_code == 200
    assert letters(people, [row["id"] for row in response.json()["queue"]]) == ["D", "C", "B", "A"]


def test_rota_08_shift_log_api(api, site, people, manager):
    a, b = people["A"], people["B"]
    created = api(a).post(
        url("api-shift-log", site), {"text": "3 walk-ins, 1 complaint", "pending": "call back 李"}
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert api(b).post(url("api-shift-log-refuse", site, pk=pk), {}).status_code == 400
    assert api(b).post(url("api-shift-log-confirm", site, pk=pk), {}).status_code == 200
    assert api(b).post(url("api-shift-log-review", site, pk=pk)).status_code == 403
    assert api(manager).post(url("api-shift-log-review", site, pk=pk)).status_code == 200
    listing = api(manager).get(url("api-shift-log", site)).json()
    assert listing[0]["status"] == "confirmed"
    assert listing[0]["reviewed_at"]


# ROTA-10 ----------------------------------------------------------------------------------------

SIMULATE = "/api/v1/rota/simulate/"


def spec_example(site):
    return {
        "site": site.pk,
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


def test_rota_10_simulate_answers_the_spec_example_shape(api, site, manager):
    response = api(manager).post(SIMULATE, spec_example(site), format="json")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["events", "queue", "turns", "tokens", "waiting"]
    assert [entry["event"] for entry in body["events"]] == list(range(6))
    first_walk_in = body["events"][1]
    assert first_walk_in == {
        "event": 1,
        "receiver": "B",
        "counted": True,
        "skipped": [{"who": "A", "reason": "on_break", "outcome": "lose"}],
        "rules": ["ROTA-02", "ROTA-03"],
    }
    assert body["events"][0]["receiver"] is None
    assert set(body["turns"]) == set(body["tokens"]) == {"A", "B", "C", "D"}
    assert RotaDay.objects.count() == 0  # nothing stored


def test_rota_10_simulate_bad_input_is_400_naming_the_fields(api, site, manager):
    data = spec_example(site)
    data["policy"] = {"makeup_with_own_customer": "twice", "colour": "red"}
    data["events"][2]["named"] = "Z"
    response = api(manager).post(SIMULATE, data, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"policy.makeup_with_own_customer", "policy.colour", "events[2].named"} <= set(fields)


def test_rota_10_simulate_needs_a_manager_or_a_write_token_of_the_site(
    api, site, other_site, manager, salesperson, staff
):
    assert api(salesperson).post(SIMULATE, spec_example(site), format="json").status_code == 403
    assert (
        api(staff(Role.MANAGER, other_site)).post(SIMULATE, spec_example(site), format="json").status_code
        == 404
    )
    _token, text = token_create(
        user=salesperson, site=site, name="rota tool", scope=ApiToken.Scope.WRITE, actor=manager
    )
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    assert client.post(SIMULATE, spec_example(site), format="json").status_code == 200
    _token, read_only = token_create(
        user=manager, site=site, name="reader", scope=ApiToken.Scope.READ, actor=manager
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {read_only}")
    assert client.post(SIMULATE, spec_example(site), format="json").status_code == 403


def test_rota_10_a_recorded_day_replays_through_simulate_to_the_same_assignments(
    api, site, people, manager, staff
):
    a, b, c, d = (people[x] for x in "ABCD")
    for person in (a, b, c):
        services.rota_sign_in(site=site, actor=person)
    services.rota_status_change(site=site, actor=a, salesperson=a, status="with_own_customer")
    first = services.rota_walk_in(site=site, actor=b, type="new")  # B, A skipped with a make-up
    services.rota_sign_in(site=site, actor=d)  # a late sign-in
    services.rota_walk_in(site=site, actor=b, type="designated", named=c)
    services.rota_walk_in(site=site, actor=b, type="returning", owner=b)  # B busy: a stand-in
    services.rota_finish(site=site, actor=b, reception=first.reception, outcome="not_a_customer")
    services.rota_status_change(site=site, actor=a, salesperson=a, status="available")
    services.rota_walk_in(site=site, actor=b, type="new")  # A's make-up
    services.rota_walk_in(site=site, actor=b, type="non_customer")
    services.rota_walk_in(site=site, actor=b, type="new")  # waits or goes to whoever is left
    day = RotaDay.objects.get(site=site)
    events, outcomes = day_events(day)
    body, index_map = simulation_request(site.pk, events)
    response = api(manager).post(SIMULATE, body, format="json")
    assert response.status_code == 200, response.json()
    simulated = response.json()
    recorded = assignments(outcomes)
    walk_in_events = [i for i, event in enumerate(events) if type(event).__name__ == "WalkIn"]
    for number, index in enumerate(walk_in_events, start=1):
        entry = simulated["events"][index_map[index]]
        assert entry["receiver"] == recorded[number], f"walk-in {number}"
    final = {m["name"]: m["turns"] for m in day.state["members"]}
    assert {name: simulated["turns"][name] for name in final} == final
