"""REST endpoints of the handover app (SEC-01, SEC-07): one verb per endpoint; another site → 404; a repair
worker sees only their assigned orders; a forbidden action → 403; bad input → 400 with field messages and
nothing changed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from handover import services
from handover.models import AreaSettlement, Complaint, WorkOrder
from salesoffice.core.roles import Role
from tests.handover.test_services import _order

pytestmark = pytest.mark.django_db


def test_svc_01_api_create_and_list(site, service, api):
    client = api(service)
    response = client.post(
        reverse("api-work-orders", args=[site.pk]),
        {
            "reporter_name": "张三",
            "category": "plumbing",
            "description": "漏水",
            "area": "1号楼",
            "priority": "high",
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["number"].endswith("-0001")
    listed = client.get(reverse("api-work-orders", args=[site.pk]))
    assert [row["id"] for row in listed.json()["results"]] == [response.json()["id"]]


def test_sec_07_api_bad_input_is_400_with_fields_and_nothing_written(site, service, api):
    response = api(service).post(
        reverse("api-work-orders", args=[site.pk]), {"reporter_name": "", "category": "magic"}
    )
    assert response.status_code == 400
    assert {"reporter_name", "category", "description"} <= set(response.json()["error"]["fields"])
    assert not WorkOrder.objects.exists()


def test_sec_07_other_site_is_404(site, other_site, service, staff, api):
    order = _order(site, service)
    outsider = staff(Role.SERVICE, other_site)
    client = api(outsider)
    assert client.get(reverse("api-work-order", args=[order.pk])).status_code == 404
    assert client.post(reverse("api-work-order-dispatch", args=[order.pk]), {}).status_code == 404
    assert client.get(reverse("api-work-orders", args=[site.pk])).status_code == 404


def test_sec_01_repair_worker_sees_only_assigned_orders(site, service, repair, api):
    mine, other = repair(areas=["1号楼"]), repair(areas=["2号楼"])
    my_order = services.work_order_dispatch(
        work_order=_order(site, service), actor=service, worker=mine, reason="r"
    )
    their_order = services.work_order_dispatch(
        work_order=_order(site, service), actor=service, worker=other, reason="r"
    )
    client = api(mine.user)
    listed = client.get(reverse("api-work-orders", args=[site.pk])).json()["results"]
    assert [row["id"] for row in listed] == [my_order.pk]
    assert client.get(reverse("api-work-order", args=[their_order.pk])).status_code == 404
    assert client.post(reverse("api-work-order-start", args=[their_order.pk]), {}).status_code == 404
    assert (
        client.post(reverse("api-work-order-start", args=[my_order.pk]), {}).json()["status"] == "in_progress"
    )
    detail = client.get(reverse("api-work-order", args=[my_order.pk])).json()
    assert detail["reporter_name"] == "张*"


def test_sec_01_forbidden_action_is_403_and_changes_nothing(site, service, salesperson, repair, api):
    order = _order(site, service)
    worker = repair(areas=["1号楼"])
    assert api(salesperson).get(reverse("api-work-orders", args=[site.pk])).status_code == 403
    assert api(worker.user).post(reverse("api-work-orders", args=[site.pk]), {}).status_code == 403
    order = services.work_order_dispatch(work_order=order, actor=service, worker=worker, reason="r")
    # customer service may not start the worker's job
    assert api(service).post(reverse("api-work-order-start", args=[order.pk]), {}).status_code == 403
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrder.Status.ASSIGNED


def test_svc_03_api_full_flow_with_conflicts(site, service, manager, repair, api):
    worker = repair(areas=["1号楼"])
    order = _order(site, service)
    assert (
        api(service).post(reverse("api-work-order-dispatch", args=[order.pk]), {}).json()["worker"]
        == worker.pk
    )
    w = api(worker.user)
    assert w.post(reverse("api-work-order-done", args=[order.pk]), {}).status_code == 409
    assert w.post(reverse("api-work-order-start", args=[order.pk]), {}).status_code == 200
    assert w.post(reverse("api-work-order-wait", args=[order.pk]), {}).status_code == 400
    assert w.post(reverse("api-work-order-wait", args=[order.pk]), {"note": "等配件"}).status_code == 200
    assert w.post(reverse("api-work-order-resume", args=[order.pk]), {}).status_code == 200
    assert w.post(reverse("api-work-order-done", args=[order.pk]), {}).status_code == 200
    assert api(service).post(reverse("api-work-order-confirm", args=[order.pk]), {}).status_code == 200
    assert (
        api(manager)
        .post(reverse("api-work-order-reopen", args=[order.pk]), {"note": "复发"})
        .json()["status"]
        == "reopened"
    )
    events = api(service).get(reverse("api-work-order", args=[order.pk])).json()["events"]
    assert [event["action"] for event in events][-1] == "reopen"


def test_sec_07_photo_upload_refused_by_type(site, service, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = _order(site, service)
    client = api(service)
    bad = SimpleUploadedFile("x.jpg", b"GIF89a....", content_type="image/jpeg")
    response = client.post(
        reverse("api-work-order-photos", args=[order.pk]), {"photo": bad}, format="multipart"
    )
    assert response.status_code == 400
    assert "photo" in response.json()["error"]["fields"]
    good = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, content_type="image/png")
    assert (
        client.post(
            reverse("api-work-order-photos", args=[order.pk]), {"photo": good}, format="multipart"
        ).status_code
        == 201
    )


def test_area_02_api_compute_and_sign(contract, service, api):
    client = api(service)
    computed = client.post(
        reverse("api-area-settlement", args=[contract.pk]), {"surveyed_area": "104.00"}
    ).json()
    assert computed["net"] == "60000.00"
    assert computed["buyer_may_cancel"] is True
    bad = client.post(
        reverse("api-area-settlement-sign", args=[computed["id"]]), {"signed_by_name": "", "choice": "x"}
    )
    assert bad.status_code == 400
    assert AreaSettlement.objects.get().status == "computed"
    signed = client.post(
        reverse("api-area-settlement-sign", args=[computed["id"]]), {"signed_by_name": "张三"}
    ).json()
    assert signed["status"] == "signed"
    assert signed["money_record"]


def test_svc_05_api_complaint_flow(site, service, api):
    client = api(service)
    created = client.post(
        reverse("api-complaints", args=[site.pk]),
        {"channel": "hotline", "complainant_name": "王五", "content": "噪音"},
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.post(reverse("api-complaint-reply", args=[pk]), {"note": "已处理"}).status_code == 200
    closed = client.post(reverse("api-complaint-close", args=[pk]), {"owner_accepted": True}).json()
    assert closed["status"] == "closed"
    assert Complaint.objects.get().owner_accepted is True


def test_move_02_api_batch_slot_booking_notice(site, service, manager, contract, api):
    client = api(service)
    batch = client.post(
        reverse("api-move-in-batches", args=[site.pk]),
        {"name": "一期", "planned_start": "2026-04-01", "planned_end": "2026-04-07", "slot_capacity": 1,
         "documents_ready": {"completion_acceptance": "2026-02-01", "area_survey_report": "2026-02-01",
                             "quality_guarantee": "2026-02-01", "usage_instructions": "2026-02-01"}},
    ).json()  # fmt: skip
    assert (
        client.post(
            reverse("api-move-in-batch-units", args=[batch["id"]]), {"contracts": [contract.pk]}
        ).status_code
        == 200
    )
    assert client.post(reverse("api-move-in-batch-approve", args=[batch["id"]])).status_code == 403
    assert api(manager).post(reverse("api-move-in-batch-approve", args=[batch["id"]])).status_code == 200
    slot = client.post(
        reverse("api-move-in-slots", args=[batch["id"]]),
        {"starts_at": "2026-04-01T09:00+08:00", "ends_at": "2026-04-01T11:00+08:00"},
    ).json()
    assert (
        client.post(reverse("api-slot-bookings", args=[slot["id"]]), {"contract": contract.pk}).status_code
        == 201
    )
    assert client.post(reverse("api-move-in-notices", args=[batch["id"]])).json() == {"sent": 1}


def test_cert_01_api_open_and_advance(site, service, contract, api):
    client = api(service)
    case = client.post(
        reverse("api-certificate-open", args=[contract.pk]), {"fees_collected": "500.00"}
    ).json()
    step = client.post(reverse("api-certificate-advance", args=[case["id"]]), {"action": "register_initial"})
    assert step.json()["status"] == "initial_registration_done"
    assert (
        client.post(reverse("api-certificate-advance", args=[case["id"]]), {"action": "nonsense"}).status_code
        == 400
    )
    listed = client.get(reverse("api-certificates", args=[site.pk])).json()["results"]
    assert listed[0]["id"] == case["id"]


def test_svc_06_api_questionnaire_and_low_score(site, service, api):
    client = api(service)
    questionnaire = client.post(
        reverse("api-questionnaires", args=[site.pk]),
        {"name": "满意度", "questions": [{"key": "overall", "text": "总体满意度", "kind": "score"}]},
    ).json()
    response = client.post(
        reverse("api-survey-responses", args=[questionnaire["id"]]), {"answers": {"overall": 1}}
    ).json()
    assert response["low_score"] is True
    assert response["follow_up"]


def test_svc_01_list_query_count_is_bounded(site, service, api, django_assert_max_num_queries):
    for _ in range(15):
        _order(site, service)
    client = api(service)
    client.get(reverse("api-work-orders", args=[site.pk]))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("api-work-orders", args=[site.pk]))
    assert len(response.json()["results"]) == 15
