"""ROTA-01..ROTA-05 at a tablet: four salespeople sign in, walk-ins arrive at the counter, one goes
on break (S-ROTA-2: the turn is lost), one is with their own customer and makes the turn up later
(S-ROTA-3), and the live board shows each step within its 2-second refresh."""

import pytest
from playwright.sync_api import expect

from reception import services
from salesoffice.core.roles import Role
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = {"A": ("张", "伟"), "B": ("李", "娜"), "C": ("王", "芳"), "D": ("刘", "洋")}


@pytest.fixture
def crew(staff, site):
    return {
        letter: staff(
            Role.SALESPERSON, site, username=f"sales{letter.lower()}", last_name=family, first_name=given
        )
        for letter, (family, given) in NAMES.items()
    }


def row(page, person):
    return page.locator(f'[data-testid="queue"] tr[data-user="{person.pk}"]')


def expect_queue(page, people):
    rows = page.locator('[data-testid="queue"] tbody tr:not(.is-signed-out) td.name')
    for index, person in enumerate(people):
        expect(rows.nth(index)).to_contain_text(str(person))


def test_rota_live_board_through_a_morning(page, live_server, login, screenshot, site, crew):
    a, b, c, d = (crew[x] for x in "ABCD")
    login(a, PASSWORD)

    # ROTA-01: A signs in on the tablet; B, C, D sign in at their own devices.
    page.goto(f"{live_server.url}/reception/")
    page.click('button[value="sign_in"]')
    expect(row(page, a).locator(".rota-status")).to_have_class("rota-status status-available")
    for person in (b, c, d):
        services.rota_sign_in(site=site, actor=person)
    expect_queue(page, [a, b, c, d])
    expect(page.locator('[data-testid="up-next"]').first).to_have_text(str(a))
    expect(page.locator('[data-testid="duty"]')).to_have_text(str(d))
    screenshot("rota-1-four-signed-in")

    # S-ROTA-1: a new customer at the counter goes to the head, A.
    page.goto(f"{live_server.url}/reception/counter/")
    expect(page.locator('[data-testid="up-next"]')).to_have_text(str(a))
    screenshot("rota-2-counter-greeting")
    page.click('button[name="type"][value="new"]')
    expect(page.locator('[data-testid="receiver"]')).to_have_text(str(a))
    screenshot("rota-3-reception-open")

    page.goto(f"{live_server.url}/reception/")
    expect_queue(page, [b, c, d, a])
    expect(row(page, a).locator(".rota-status")).to_have_class("rota-status status-receiving")

    # S-ROTA-2: B goes on break; the next walk-in passes B over, who loses the turn.
    services.rota_status_change(site=site, actor=b, salesperson=b, status="on_break")
    services.rota_walk_in(site=site, actor=d, type="new")
    expect(row(page, b).locator(".rota-status")).to_have_class("rota-status status-on_break")
    expect(row(page, c).locator(".rota-status")).to_have_class("rota-status status-receiving")
    expect_queue(page, [d, a, b, c])
    screenshot("rota-4-b-on-break-c-receives")

    # A ends the reception at the counter: the customer left before registering.
    page.goto(f"{live_server.url}/reception/counter/")
    page.locator(f'a[href="/reception/receptions/{a.receptions.get().pk}/"]').click()
    page.click('button[value="left_before_registration"]')
    page.goto(f"{live_server.url}/reception/")
    expect(row(page, a).locator(".rota-status")).to_have_class("rota-status status-available")

    # S-ROTA-3: D's own customer comes back; the next walk-in passes D over with a make-up.
    services.rota_walk_in(site=site, actor=d, type="returning", owner=d)
    services.rota_walk_in(site=site, actor=d, type="new")
    expect(row(page, d).locator('[data-testid="tokens"]')).to_have_text("1")
    expect(row(page, a).locator(".rota-status")).to_have_class("rota-status status-receiving")
    screenshot("rota-5-d-owed-a-make-up")

    # D is free again and takes the make-up turn before the head of the queue.
    d_reception = d.receptions.filter(ended_at__isnull=True).get()
    services.rota_finish(site=site, actor=d, reception=d_reception, outcome="not_a_customer")
    expect(page.locator('[data-testid="up-next"]').first).to_have_text(str(d))
    services.rota_walk_in(site=site, actor=a, type="new")
    expect(row(page, d).locator(".rota-status")).to_have_class("rota-status status-receiving")
    expect(row(page, d).locator('[data-testid="turns"]')).to_have_text("1")
    expect(row(page, d).locator('[data-testid="tokens"]')).to_have_count(0)
    screenshot("rota-6-d-make-up-used")

    # The wall screen shows the same rota in large type.
    page.goto(f"{live_server.url}/reception/wall/")
    expect(page.locator('[data-testid="up-next"]')).not_to_be_empty()
    screenshot("rota-7-wall-screen")
