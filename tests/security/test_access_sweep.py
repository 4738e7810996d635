"""quality.md R7 / SEC-02 / SEC-07: every page and endpoint that names an object is requested by
staff of another site (each role) and by a salesperson of the same site who does not own the
customer. Another site's object is never shown (404, or 405 for a verb-only endpoint), and a
non-owner never receives the owner's full phone or ID number, in HTML, JSON, PDF or Excel."""

from __future__ import annotations

import io
import re
import subprocess

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from handover import services as handover_services
from salesoffice.core.roles import Role
from tests.handover.conftest import make_contract, unit_of

pytestmark = pytest.mark.django_db

PHONE = "13900000001"  # the first phone tests.handover.conftest.make_contract registers
ID_NUMBER = "11010519900307123X"
SKIPPED_PREFIXES = ("admin/", "i18n/", "api/schema", "api/docs", "static/", "media/", "accounts/")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


@pytest.fixture
def world(site, staff):
    """One of everything at ``site``, owned by one salesperson."""
    owner = staff(Role.SALESPERSON, site)
    service = staff(Role.SERVICE, site)
    contract = make_contract(site, owner)
    deal = contract.deal
    order = handover_services.work_order_create(
        site=site, actor=service, reporter_name="张三", category="plumbing", description="漏水",
        unit=unit_of(contract), customer=deal.customer,
    )  # fmt: skip
    return {
        "site_id": site.pk,
        "customer_id": deal.customer_id,
        "unit_id": contract.unit_id,
        "building_id": contract.unit.building_id,
        "deal_id": deal.pk,
        "deposit_id": deal.deposits.first().pk,
        "subscription_id": contract.subscription_id,
        "contract_id": contract.pk,
        "work_order_id": order.pk,
    }


def _urls(world):
    """Every GET-able route whose parameters the world can fill, with them filled."""
    urls = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES):
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        values = dict(world)
        if "pk" in names and "customers/" in route:
            values["pk"] = world["customer_id"]
        if not names or any(name not in values for name in names):
            continue
        url = "/" + re.sub(
            r"<(?:\w+:)?(\w+)>", lambda match, values=values: str(values[match.group(1)]), route
        )
        urls.append(url.replace("^", "").replace("$", ""))
    return urls


def _text(response) -> str:
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith("application/pdf"):
        return subprocess.run(
            ["/usr/bin/pdftotext", "-", "-"], input=body, capture_output=True, check=True
        ).stdout.decode()
    if "spreadsheet" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return " ".join(
            str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
        )
    return body.decode(errors="replace")


def test_r7_sweep_covers_the_object_pages_and_endpoints(world):
    assert len(_urls(world)) >= 40


@pytest.mark.parametrize("role", [Role.SALESPERSON, Role.MANAGER, Role.FINANCE, Role.SERVICE, Role.REPAIR])
def test_r7_another_sites_objects_are_not_found(client, staff, other_site, world, role):
    client.force_login(staff(role, other_site))
    shown = []
    for url in _urls(world):
        response = client.get(url)
        if response.status_code not in (404, 405):
            shown.append((url, response.status_code))
        if response.status_code == 200 and (PHONE in _text(response) or ID_NUMBER in _text(response)):
            shown.append((url, "personal data"))
    assert shown == []


def test_r7_a_non_owner_never_receives_full_contact_details(client, staff, site, world):
    client.force_login(staff(Role.SALESPERSON, site))
    leaks = []
    for url in _urls(world):
        response = client.get(url)
        if response.status_code == 200:
            text = _text(response)
            if PHONE in text or ID_NUMBER in text:
                leaks.append(url)
    assert leaks == []
