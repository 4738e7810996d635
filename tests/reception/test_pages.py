"""The rota's pages (reception/views.py): board and its 2-second fragment, the counter flow, my
status, the manager's panel, the shift log, the fairness report with its PDF, and the replay."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from reception import services
from reception.models import Reception, RotaEvent, ShiftLog
from salesoffice.core.models import AuditEvent
from salesoffice.core.roles import Role

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_rota_01_board_polls_its_fragment_every_two_seconds(site, signed_in):
    response = client_for(signed_in["A"]).get(reverse("reception-board"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert reverse("reception-board-fragment") in html
    assert "<script" not in html.split("</head>")[1]  # CSP: no inline script in the page body


def test_rota_01_board_fragment_shows_queue_highlights_and_waiting(site, signed_in):
    a = signed_in["A"]
    services.rota_status_change(site=site, actor=a, salesperson=a, status="on_break")
    for _ in range(4):
        services.rota_walk_in(site=site, actor=a, type="new")  # B, C, D receive; the 4th waits
    html = client_for(a).get(reverse("reception-board-fragment")).content.decode()
    assert "status-on_break" in html
    assert "status-receiving" in html
    assert 'data-testid="waiting"' in html
    assert "#4" in html


def test_p_board_fragment_query_count_is_bounded(site, signed_in, django_assert_max_num_queries):
    for _ in range(3):
        services.rota_walk_in(site=site, actor=signed_in["A"], type="new")
    client = client_for(signed_in["A"])
    client.get(reverse("reception-board-fragment"))  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get(reverse("reception-board-fragment"))
    assert response.status_code == 200


def test_rota_01_my_status_buttons(site, people):
    client = client_for(people["A"])
    response = client.post(reverse("reception-my-status"), {"action": "sign_in"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "status-available" in response.content.decode()
    client.post(reverse("reception-my-status"), {"action": "on_break"})
    assert RotaEvent.objects.filter(kind="status").count() == 1
    response = client.post(reverse("reception-my-status"), {"action": "sign_in"}, follow=True)
    assert "已在今天的轮排中" in response.content.decode()


def test_rota_02_counter_flow_new_customer_to_registration(site, signed_in):
    desk = signed_in["D"]
    client = client_for(desk)
    page = client.get(reverse("reception-counter"))
    assert page.status_code == 200
    response = client.post(reverse("reception-counter-walk-in"), {"type": "new"})
    reception = Reception.objects.get()
    assert response.url == reverse("reception-detail", args=[reception.pk])
    assert reception.receiver == signed_in["A"]
    detail = client_for(signed_in["A"]).get(response.url).content.decode()
    assert 'data-testid="receiver"' in detail
    assert str(signed_in["A"]) in detail
    form = {
        "name": "张三", "gender": "male", "phone": "13812345678", "budget": "2000000", "level": "B",
        "source": "walk_in", "notice_given": "on",
    }  # fmt: skip
    done = client_for(signed_in["A"]).post(reverse("reception-register", args=[reception.pk]), form)
    assert done.status_code == 302
    reception.refresh_from_db()
    assert reception.outcome == "registered"
    assert reception.registration.name == "张三"


def test_rota_05_counter_bad_registration_is_400_and_reception_stays_open(site, signed_in):
    reception = services.rota_walk_in(site=site, actor=signed_in["A"], type="new").reception
    response = client_for(signed_in["A"]).post(
        reverse("reception-register", args=[reception.pk]),
        {"name": "", "gender": "male", "phone": "123", "level": "B", "source": "walk_in"},
    )
    assert response.status_code == 400
    reception.refresh_from_db()
    assert reception.is_open


def test_rota_05_counter_not_a_customer_outcome(site, signed_in):
    reception = services.rota_walk_in(site=site, actor=signed_in["A"], type="new").reception
    response = client_for(signed_in["A"]).post(
        reverse("reception-finish", args=[reception.pk]), {"outcome": "left_before_registration"}
    )
    assert response.status_code == 302
    reception.refresh_from_db()
    assert reception.outcome == "left_before_registration"


def test_cus_03_counter_lookup_waits_for_four_digits(site, signed_in):
    a = signed_in["A"]
    reception = services.rota_walk_in(site=site, actor=a, type="new").reception
    services.reception_register(
        site=site, actor=a, reception=reception, name="李四", gender="female", phones=["13900001234"],
        needs={"budget": "1"}, level="A", source="walk_in", notice_version="2026-01",
    )  # fmt: skip
    client = client_for(signed_in["B"])
    short = client.get(reverse("reception-counter-lookup"), {"q": "123"}).content.decode()
    assert 'data-testid="lookup-results"' not in short
    found = client.get(reverse("reception-counter-lookup"), {"q": "1234"}).content.decode()
    assert 'data-testid="lookup-results"' in found
    assert "139****1234" in found  # SEC-02: B is not the owner


def test_rota_02_returning_customer_from_lookup_goes_to_the_owner(site, signed_in):
    a = signed_in["A"]
    first = services.rota_walk_in(site=site, actor=a, type="new").reception
    registration = services.reception_register(
        site=site, actor=a, reception=first, name="李四", gender="female", phones=["13900001234"],
        needs={"budget": "1"}, level="A", source="walk_in", notice_version="2026-01",
    )  # fmt: skip
    response = client_for(signed_in["D"]).post(
        reverse("reception-counter-walk-in"), {"type": "returning", "customer": registration.customer_id}
    )
    assert response.status_code == 302
    returning = Reception.objects.order_by("-pk").first()
    assert (returning.type, returning.receiver, returning.counted) == ("returning", a, False)


def test_sec_07_another_sites_reception_page_is_not_found(site, other_site, signed_in, staff):
    reception = services.rota_walk_in(site=site, actor=signed_in["A"], type="new").reception
    stranger = staff(Role.SALESPERSON, other_site)
    assert client_for(stranger).get(reverse("reception-detail", args=[reception.pk])).status_code == 404
    response = client_for(stranger).post(
        reverse("reception-finish", args=[reception.pk]), {"outcome": "not_a_customer"}
    )
    assert response.status_code == 404
    reception.refresh_from_db()
    assert reception.is_open


def test_rota_05_manager_panel_is_for_managers_and_supervisors(site, signed_in, manager, supervisor):
    assert client_for(signed_in["A"]).get(reverse("reception-manage")).status_code == 403
    assert client_for(supervisor).get(reverse("reception-manage")).status_code == 200
    assert client_for(manager).get(reverse("reception-manage")).status_code == 200


def test_rota_05_manager_panel_actions_need_a_reason(site, signed_in, manager, queue):
    client = client_for(manager)
    action = reverse("reception-manage-action")
    response = client.post(
        action, {"action": "down", "who": signed_in["A"].pk, "reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert queue() == ["A", "B", "C", "D"]
    client.post(
        action,
        {"action": "down", "who": signed_in["A"].pk, "reason": "A is training"},
        HTTP_HX_REQUEST="true",
    )
    assert queue() == ["B", "A", "C", "D"]
    client.post(
        action, {"action": "status", "who": signed_in["C"].pk, "status": "on_assignment", "reason": "bank"}
    )
    assert RotaEvent.objects.filter(kind="status", reason="bank", actor=manager).exists()
    reception = services.rota_walk_in(site=site, actor=manager, type="new").reception
    client.post(
        action,
        {"action": "transfer", "reception": reception.pk, "to": signed_in["D"].pk, "reason": "B called"},
    )
    reception.refresh_from_db()
    assert reception.receiver == signed_in["D"]


def test_rota_08_shift_log_page(site, people, manager):
    response = client_for(people["A"]).post(
        reverse("reception-shift-log"), {"text": "2 visitors", "pending": ""}
    )
    assert response.status_code == 302
    entry = ShiftLog.objects.get()
    client_for(people["B"]).post(
        reverse("reception-shift-log-answer", args=[entry.pk]), {"answer": "confirm"}
    )
    client_for(manager).post(reverse("reception-shift-log-review", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.status == "confirmed"
    assert entry.reviewed_by == manager
    assert "2 visitors" in client_for(manager).get(reverse("reception-shift-log")).content.decode()


def test_rota_09_fairness_page_and_pdf(site, signed_in, manager):
    a = signed_in["A"]
    services.rota_status_change(site=site, actor=a, salesperson=a, status="on_break")
    services.rota_walk_in(site=site, actor=a, type="new")
    page = client_for(manager).get(reverse("reception-fairness"))
    assert page.status_code == 200
    assert str(signed_in["B"]) in page.content.decode()
    assert client_for(signed_in["A"]).get(reverse("reception-fairness")).status_code == 403
    pdf = client_for(manager).get(reverse("reception-fairness-pdf"))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export.pdf", object_type="reception.fairness").exists()


def test_rota_10_replay_page_compares_a_recorded_day_under_a_draft_policy(site, signed_in, manager):
    a = signed_in["A"]
    services.rota_status_change(site=site, actor=a, salesperson=a, status="with_own_customer")
    for _ in range(4):  # A is passed over by the 1st and the 4th
        result = services.rota_walk_in(site=site, actor=a, type="new")
        services.rota_finish(
            site=site, actor=result.reception.receiver, reception=result.reception, outcome="not_a_customer"
        )
    day = RotaEvent.objects.first().day
    response = client_for(manager).get(
        reverse("reception-replay"),
        {
            "day": day.business_date.isoformat(), "designated_turn": "counts", "returning_standin_turn": "not_counted",
            "peer_counts": "on", "makeup_with_own_customer": "each", "makeup_on_assignment": "once",
            "makeup_receiving_uncounted": "once",
        },
    )  # fmt: skip
    assert response.status_code == 200
    result = response.context["result"]
    assert result.recorded_tokens[str(a.pk)] == 1  # once (the policy in force)
    assert result.draft_tokens[str(a.pk)] == 2  # each: one per missed turn
    assert 'class="diff"' in response.content.decode()


def test_rota_01_option_b_manager_plans_tomorrows_order(site, people, manager):
    import datetime

    from django.utils import timezone

    from reception.models import RotaDay

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = {"date": tomorrow.isoformat(), "reason": "明天开盘"}
    ordered = [people["C"], people["A"], people["B"]]
    data.update({f"position-{person.pk}": str(place) for place, person in enumerate(ordered, start=1)})
    response = client_for(manager).post(reverse("reception-plan"), data)
    assert response.status_code == 302
    planned = RotaDay.objects.get(site=site, business_date=tomorrow).state["planned"]
    assert planned == [str(person.pk) for person in ordered]
    assert client_for(people["A"]).get(reverse("reception-plan")).status_code == 403
