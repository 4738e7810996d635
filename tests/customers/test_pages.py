"""The counter pages: lookup, registration form, customer file, disputes (CUS-03/04, REG, DISP)."""

import pytest

from customers.models import Customer, Dispute, Registration
from salesoffice.core.roles import Role
from tests.customers.factories import register

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "visit", "name": "张三", "gender": "male", "mobile": "13812345678", "other_phone": "",
    "budget": "300", "area": "120", "layout": "3室2厅", "purpose": "自住", "level": "B", "source": "walk_in",
    "said_first_visit": "true", "note": "", "informed": "on",
}  # fmt: skip


def test_reg05_register_page_creates_and_tells_the_customer(client, site, salesperson):
    client.force_login(salesperson)
    response = client.post("/customers/register/", FORM, follow=True)
    assert response.status_code == 200
    registration = Registration.objects.get()
    assert registration.complete
    assert registration.needs["budget"] == "3000000"  # entered in 10,000 yuan
    page = response.content.decode()
    assert "下次" in page or "next time" in page  # REG-05 sentence
    assert "13812345678" in page


def test_sec07_register_page_shows_field_errors_and_saves_nothing(client, site, salesperson):
    client.force_login(salesperson)
    response = client.post("/customers/register/", {**FORM, "mobile": "1234"})
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"]
    assert not Registration.objects.exists()


def test_reg02_the_privacy_notice_must_be_ticked(client, site, salesperson):
    client.force_login(salesperson)
    data = {key: value for key, value in FORM.items() if key != "informed"}
    response = client.post("/customers/register/", data)
    assert "informed" in response.context["form"].errors
    assert not Registration.objects.exists()


def test_cus03_counter_lookup_fragment_masks_for_others(client, staff, site, salesperson):
    register(site, salesperson)
    other = staff(Role.SALESPERSON, site)
    client.force_login(other)
    page = client.get("/customers/counter/lookup/?q=5678", headers={"HX-Request": "true"}).content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page
    assert salesperson.get_full_name() in page


def test_cus03_unknown_number_offers_a_new_registration(client, site, salesperson):
    client.force_login(salesperson)
    page = client.get("/customers/counter/?q=13900001111").content.decode()
    assert "/customers/register/?phone=13900001111" in page


def test_cus04_customer_file_hides_records_from_other_salespeople(client, staff, site, salesperson):
    register(site, salesperson)
    customer = Customer.objects.get()
    other = staff(Role.SALESPERSON, site)
    client.force_login(other)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page
    assert "张*" in page
    assert "No. 1" not in page
    assert "#1" not in page


def test_cus04_customer_of_another_site_is_not_found(client, staff, site, other_site, salesperson):
    register(site, salesperson)
    client.force_login(staff(Role.SALESPERSON, other_site))
    assert client.get(f"/customers/{Customer.objects.get().pk}/").status_code == 404


def test_disp02_manager_decides_from_the_evidence_page(client, staff, site, manager, salesperson):
    register(site, salesperson)
    customer = Customer.objects.get()
    rival = staff(Role.SALESPERSON, site)
    client.force_login(rival)
    client.post(f"/customers/{customer.pk}/dispute/", {"claim": "我先接待"})
    dispute = Dispute.objects.get()
    assert client.get(f"/customers/disputes/{dispute.pk}/").status_code == 403
    client.force_login(manager)
    page = client.get(f"/customers/disputes/{dispute.pk}/")
    assert page.status_code == 200
    assert salesperson.get_full_name() in page.content.decode()
    response = client.post(
        f"/customers/disputes/{dispute.pk}/",
        {"owner": rival.pk, "split_with": salesperson.pk, "owner_share": 50, "reason": "来电记录在先"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.owner == rival
    assert customer.verdict.commission == {str(rival.pk): "50", str(salesperson.pk): "50"}


def test_counter_lookup_query_count_is_constant(client, site, salesperson, django_assert_max_num_queries):
    for index in range(12):
        register(site, salesperson, name=f"李{index}", phones=(f"1360000{index:04d}",))
    client.force_login(salesperson)
    with django_assert_max_num_queries(12):
        client.get("/customers/counter/lookup/?q=李")


def test_sec05_correction_page_shows_original_beside_the_correction(client, site, salesperson):
    original = register(site, salesperson, needs={})
    client.force_login(salesperson)
    page = client.get(f"/customers/registrations/{original.pk}/correct/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"budget": "2000000", "reason": "补录预算"})
    response = client.post(f"/customers/registrations/{original.pk}/correct/", data)
    assert response.status_code == 302
    correction = Registration.objects.get(corrects=original)
    assert correction.needs == {"budget": "2000000"}
    assert "补录预算" in client.get(f"/customers/registrations/{original.pk}/correct/").content.decode()


def test_sec05_others_cannot_open_the_correction_page(client, staff, site, salesperson):
    original = register(site, salesperson)
    client.force_login(staff(Role.SALESPERSON, site))
    assert client.get(f"/customers/registrations/{original.pk}/correct/").status_code == 404
