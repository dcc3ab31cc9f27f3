"""The everyday screens (issue 14) in a real browser: every role's home page and the unit's
item page at phone width with the first action on the first screen, the user menu legible,
Reload and Back after a refused form, and axe-core on every main page with no violations.

axe-core is vendored under tests/e2e/vendor/ (never served by the app) and evaluated in
the page through Playwright, so the app's CSP stays as strict as in production.
Screenshots: tests/artifacts/screenshots/<database>/screens-*.png.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .flows import assign, create_inquiry, flash, open_item, quick_add

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
ROLES = ("staff", "unit_edu", "reviewer1", "admin", "secadmin", "auditor")


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core (WCAG 2.x A/AA and best practices) on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
    }""")


def assert_accessible(page: Page, where: str) -> None:
    page.wait_for_load_state("networkidle")
    violations = axe_violations(page)
    assert not violations, f"axe on {where} ({page.url}):\n" + "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} → {v['nodes']}" for v in violations)


def first_screen(page: Page, locator) -> None:
    """The element is visible without scrolling: inside the top 844 px of the page."""
    page.evaluate("window.scrollTo(0, 0)")
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    assert box["y"] + box["height"] <= PHONE["height"], f"below the first screen: {box}"


def header_share(page: Page) -> float:
    return page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height") / PHONE["height"]


@pytest.fixture(scope="module")
def edu_item(people):
    """An item 交办 to 区教育局 (lead), made by staff through the pages."""
    staff = people.get("staff")
    question = "校园周边交通拥堵问题如何缓解？"
    create_inquiry(staff.page, "关于校园安全的专题询问（屏幕）")
    quick_add(staff.page, question)
    expect(flash(staff.page)).to_contain_text("已录入询问问题 1")
    open_item(staff.page, question)
    assign(staff.page, "区教育局")
    return staff.page.url, question


@pytest.mark.parametrize("username", ROLES)
def test_home_is_a_todo_list_on_the_first_screen(person, username, shots):
    someone = person(username, viewport=PHONE)
    page = someone.page
    page.goto("/")
    todos = page.locator(".todos > li.todo")
    expect(todos.first).to_be_visible()
    first_screen(page, todos.first.locator("a.todo-head"))
    assert header_share(page) < 0.10, f"header takes {header_share(page):.0%} of the screen"
    # The navigation is not repeated in the page body.
    assert page.locator("main .cards").count() == 0
    someone.shot(f"screens-home-{username}-390", full_page=False)
    assert_accessible(page, f"home of {username}")


def test_unit_item_page_puts_the_action_first(person, edu_item, shots):
    url, question = edu_item
    unit = person("unit_edu", viewport=PHONE)
    page = unit.page
    page.goto(url)
    acknowledge = page.get_by_role("button", name="签收", exact=True)
    first_screen(page, acknowledge)
    # The action comes before the 问 card.
    order = page.evaluate("""() => {
        const action = document.querySelector('#actions'), ask = [...document.querySelectorAll('article')]
            .find(a => a.textContent.includes('问 · '));
        return action.compareDocumentPosition(ask) & Node.DOCUMENT_POSITION_FOLLOWING;
    }""")
    assert order, "the 办理 section must come before the 问/答 cards"
    unit.shot("screens-unit-item-to-acknowledge-390", full_page=False)
    assert_accessible(page, "unit item page (待签收)")
    acknowledge.click()
    expect(flash(page)).to_contain_text("已签收")
    first_screen(page, page.get_by_text("报送答复/整改方案或整改进展").first)
    unit.shot("screens-unit-item-rectifying-390", full_page=False)
    # The report box grows with its text.
    page.get_by_text("报送答复/整改方案或整改进展").first.click()
    box = page.locator("#actions textarea").first
    before = box.bounding_box()["height"]
    box.fill("整改进展：\n" + "\n".join(f"第{i}项措施已落实。" for i in range(1, 15)))
    assert box.bounding_box()["height"] > before
    assert_accessible(page, "unit item page (整改中)")
    # No staff-only calendar notice for a unit, anywhere it goes.
    for path in ("/", "/my", url):
        page.goto(path)
        assert page.locator(".calendar-warning").count() == 0


def test_my_items_lists_what_to_do_first(person, edu_item):
    unit = person("unit_edu", viewport=PHONE)
    unit.page.goto("/my")
    expect(unit.page.locator("tbody tr").first).to_be_visible()
    assert_accessible(unit.page, "我的事项")


@pytest.mark.parametrize("width", [1280, 390])
def test_user_menu_is_legible(person, width):
    someone = person("unit_edu", viewport={"width": width, "height": 844})
    page = someone.page
    page.goto("/")
    page.locator(".user-menu summary").click()
    logout = page.get_by_role("button", name="退出登录")
    expect(logout).to_be_visible()
    colours = page.evaluate("""() => {
        const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
        const button = [...document.querySelectorAll('.user-menu button')].find(b => b.textContent.includes('退出'));
        return [rgb(getComputedStyle(button).color),
                rgb(getComputedStyle(document.querySelector('.user-menu details > ul')).backgroundColor)];
    }""")

    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    light, dark = sorted((luminance(colours[0]), luminance(colours[1])), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5, colours
    assert_accessible(page, f"user menu open at {width}px")
    page.keyboard.press("Escape")


def test_reload_and_back_after_a_refused_form(person, edu_item):
    """A refused 交办 on a fresh item: the address stays the item page; Reload shows it, Back works."""
    staff = person("staff")
    page = staff.page
    create_inquiry(page, "关于刷新测试的专题询问（屏幕）")
    quick_add(page, "被拒绝的表单刷新后怎样？")
    expect(flash(page)).to_contain_text("已录入询问问题 1")
    open_item(page, "被拒绝的表单刷新后怎样？")
    item_url = page.url
    form = page.locator("form").filter(has=page.get_by_role("button", name="交办", exact=True))
    form.get_by_label("办理期限").fill("2001-01-01")  # no unit, a past date: refused
    form.get_by_role("button", name="交办", exact=True).click()
    expect(flash(page)).to_contain_text("办理期限")
    assert page.url == item_url, f"address bar shows {page.url}"
    expect(page.locator("form").filter(has=page.get_by_role("button", name="交办", exact=True))
           .get_by_label("办理期限")).to_have_value("2001-01-01")  # nothing typed is lost
    response = page.reload()
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("询问问题")
    page.go_back()
    page.wait_for_load_state()
    assert "/assign" not in page.url
    expect(page.locator("body")).not_to_contain_text("405")


MAIN_PAGES = {
    "staff": ["/items", "/activities", "/dashboard", "/followup/overdue", "/followup/supervised", "/sittings",
              "/public/manage", "/notifications", "/ledger/import", "/search/recurring", "/search?q=学校"],
    "unit_edu": ["/my", "/notifications"],
    "reviewer1": ["/evaluations"],
    "admin": ["/admin/users", "/admin/units"],
    "secadmin": ["/admin/rules", "/settings/deadlines", "/settings/calendar"],
    "auditor": ["/admin/audit"],
}


@pytest.mark.parametrize("username", list(MAIN_PAGES))
def test_axe_finds_nothing_on_the_main_pages(person, username, edu_item):
    page = person(username).page
    for path in MAIN_PAGES[username]:
        response = page.goto(path)
        assert response.status == 200, path
        assert_accessible(page, path)
    if username == "staff":
        page.goto(edu_item[0])
        assert_accessible(page, "staff item page")
        page.get_by_role("link", name="所属活动").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, "activity page")
        page.goto("/sittings")
        sitting = page.locator("tbody a").first
        if sitting.count():
            sitting.click()
            page.wait_for_load_state()
            assert_accessible(page, "sitting page")


def test_axe_on_the_public_pages(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    page = context.new_page()
    for path in ("/public/", "/login"):
        page.goto(path)
        assert_accessible(page, path)
    context.close()
