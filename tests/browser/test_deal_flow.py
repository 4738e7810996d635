"""QUAL-04 deal flow: quote → small deposit → top-up → manager-approved discount → subscription PDF →
contract, with the board's colour changing at each step (DEP-01, DEP-04, DISC-02, CON-01, CON-02, UNIT-04)."""

from decimal import Decimal

import pytest

from salesoffice.core.roles import Role
from tests.customers.factories import register
from tests.deals.factories import UnitFactory
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _board_status(page, url, unit, status):
    page.goto(f"{url}/deals/board/?building={unit.building_id}")
    page.wait_for_selector(f".unit-cell.status-{status}")


def test_deal_flow_from_quote_to_contract(page, browser, live_server, login, screenshot, staff, site):
    salesperson = staff(Role.SALESPERSON, site, last_name="李", first_name="娜")
    manager = staff(Role.MANAGER, site, last_name="王", first_name="经理")
    unit = UnitFactory(
        building__site=site, building__name="3号楼", floor=12, number="1201", list_total=Decimal("2000000.00")
    )
    register(site, salesperson, name="张三", phones=("13812345678",))
    url = live_server.url

    login(salesperson, PASSWORD)
    page.goto(f"{url}/deals/quote/?unit={unit.pk}")
    screenshot("deal-1-quote")
    _board_status(page, url, unit, "available")
    page.click(".unit-cell.status-available")
    page.click(f"a[href='/deals/units/{unit.pk}/deposit/']")

    page.fill("#customer-q", "5678")
    page.wait_for_selector(".customer-choice input")
    page.check(".customer-choice input")
    page.select_option("select[name=kind]", "small")
    page.fill("input[name=amount]", "5000")
    screenshot("deal-2-deposit-form")
    page.click("button.big[type=submit]")
    page.wait_for_url("**/deals/deals/*/")
    deal_url = page.url
    _board_status(page, url, unit, "on_hold")
    screenshot("deal-3-board-on-hold")

    page.goto(deal_url)
    page.fill("input[name=large_amount]", "50000")
    page.click("form[action*='top-up'] button")
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=kind]", "discount")
    page.fill("input[name=requested_price]", "1960000")
    page.fill("form[action*='request'] input[name=reason]", "老带新")
    page.click("form[action*='request'] button")
    page.wait_for_selector(".approval-status.status-requested")
    _board_status(page, url, unit, "reserved")
    screenshot("deal-4-board-reserved")

    manager_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = manager_context.new_page()
    phone.goto(f"{url}/accounts/login/")
    phone.fill("input[name=username]", manager.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.goto(f"{url}/deals/approvals/")
    phone.screenshot(
        path=str(screenshot("deal-5-board").parent / "deal-5-approvals-phone.png"), full_page=True
    )
    phone.click("button[value=approve]")
    phone.wait_for_load_state("networkidle")
    manager_context.close()

    page.goto(deal_url)
    page.wait_for_selector(".approval-status.status-approved")
    page.fill("input[name=name]", "张三")
    page.fill("input[name=id_number]", "110105199001011234")
    page.click("form[action*='subscription'] button")
    page.wait_for_selector("text=¥1,960,000.00")
    screenshot("deal-6-subscription")
    pdf_href = page.get_attribute("a[href*='/pdf/']", "href")
    pdf = page.request.get(f"{url}{pdf_href}")
    assert pdf.status == 200
    assert pdf.body().startswith(b"%PDF")

    page.click("a[href*='/signing/']")
    for _ in range(3):
        page.click(".checklist form button")
        page.wait_for_load_state("networkidle")
    screenshot("deal-7-checklist")
    page.click("button[name=sign]")
    page.wait_for_url("**/deals/deals/*/")
    _board_status(page, url, unit, "contracted")
    screenshot("deal-8-board-contracted")
