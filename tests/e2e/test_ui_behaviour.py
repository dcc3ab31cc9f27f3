"""Browser behaviour the HTTP tests cannot see: hx-boost keeping CSRF valid across
swapped pages, htmx quick entry and in-place validation, phone width, and the 404 a
unit user gets for another unit's item."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tracker.models import local_today

from .flows import (
    assert_not_reloaded,
    assign,
    contrast,
    create_inquiry,
    flash,
    form_with,
    mark_page,
    no_horizontal_scroll,
    open_item,
    quick_add,
)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def edu_item(people):
    """An item 交办 to 区教育局, made by staff through the pages: its URL and question."""
    staff = people.get("staff")
    question = "学校课后服务收费标准不统一的问题如何规范？"
    create_inquiry(staff.page, "关于课后服务情况的专题询问（浏览器）")
    quick_add(staff.page, question)
    expect(flash(staff.page)).to_contain_text("已录入询问问题 1")
    open_item(staff.page, question)
    assign(staff.page, "区教育局")
    return staff.page.url, question


def test_boosted_navigation_keeps_csrf_valid(browser, live_server, shots):
    """Sign in, move around and post — all without a full page load. The CSRF token
    changes at sign-in, so every POST here proves the swapped page carries the new one:
    a boosted form (hidden field), an htmx form (header from #page) and a boosted button."""
    from .conftest import Person
    staff = Person(browser, live_server, "staff", shots)
    page = staff.page
    page.goto("/login")
    mark_page(page)
    token_before = page.locator("#page").get_attribute("hx-headers")
    page.get_by_label("用户名").fill("staff")
    page.get_by_label("密码").fill("demo-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")
    assert_not_reloaded(page)
    assert page.locator("#page").get_attribute("hx-headers") != token_before, "token must rotate at sign-in"

    create_inquiry(page, "关于基层医疗服务能力建设的专题询问（浏览器）")  # boosted links + boosted POST
    quick_add(page, "社区卫生服务中心医生不足的问题如何解决？", unit="区卫生健康局")  # htmx POST
    expect(flash(page)).to_contain_text("已录入询问问题 1")
    page.get_by_role("button", name="向社会公布").click()  # boosted POST
    expect(flash(page)).to_contain_text("已更新公开设置")
    expect(page.get_by_role("button", name="取消公布")).to_be_visible()
    page.get_by_role("link", name="事项台账", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("事项台账")
    expect(page.locator("#results")).to_contain_text("社区卫生服务中心医生不足")
    assert_not_reloaded(page)
    expect(page.locator(".flash-error")).to_have_count(0)
    staff.close()


def test_quick_add_in_a_row_and_error_in_place(person):
    staff = person("staff")
    page = staff.page
    create_inquiry(page, "关于养老服务体系建设的专题询问（浏览器）")
    mark_page(page)
    questions = ["居家养老服务补贴标准何时提高？", "农村养老服务站运营经费如何保障？", "养老护理员队伍如何稳定？"]
    for number, question in enumerate(questions, start=1):
        quick_add(page, question, unit="区民政局", asker=f"委员{number}")
        expect(flash(page)).to_contain_text(f"已录入询问问题 {number}")
        expect(page.locator("#item-rows tr")).to_have_count(number)
        expect(page.get_by_role("heading", level=2).first).to_have_text(f"询问问题 / 审议意见（{number}）")
        # The form comes back empty, ready for the next question, with the unit kept.
        expect(page.get_by_label("询问问题 / 审议意见内容")).to_have_value("")
        expect(page.get_by_label("询问人")).to_have_value("")
        expect(page.get_by_label("被询问（承办）单位").locator("option:checked")).to_have_text("区民政局")
    expect(page.get_by_label("询问人")).to_be_focused()  # the first box of the fresh form

    # Forgetting the question: the error shows next to the box, nothing typed is lost.
    form = page.locator("#item-form")
    form.get_by_label("询问人").fill("王委员")
    form.get_by_text("答复与承诺（专题询问现场答复，可选）").click()
    form.get_by_label("答复内容").fill("正在研究提高补贴的方案。")
    form.get_by_role("button", name="保存并继续录入").click()
    expect(page.get_by_role("alert")).to_contain_text("未保存")
    expect(page.locator(".field-error")).to_have_text("请填写问题或意见内容")
    expect(form.get_by_label("询问问题 / 审议意见内容")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("询问人")).to_have_value("王委员")
    expect(form.get_by_label("答复内容")).to_have_value("正在研究提高补贴的方案。")
    expect(page.locator("#item-rows tr")).to_have_count(3)
    expect(form.get_by_label("询问问题 / 审议意见内容")).to_be_focused()
    staff.shot("10-staff-quick-add-error-in-place")

    form.get_by_label("询问问题 / 审议意见内容").fill("养老机构消防安全隐患如何整改？")
    form.get_by_role("button", name="保存并继续录入").click()
    expect(flash(page)).to_contain_text("已录入询问问题 4")
    expect(page.locator("#item-rows tr")).to_have_count(4)
    expect(page.locator("#item-count")).to_have_text("4")
    expect(page.locator(".field-error")).to_have_count(0)
    assert_not_reloaded(page)
    page.reload()  # what was saved is really there
    expect(page.locator("#item-rows tr")).to_have_count(4)
    expect(page.locator("#item-rows")).to_contain_text("养老机构消防安全隐患如何整改")


def test_phone_width_my_items_and_item_page(person, edu_item):
    url, question = edu_item
    unit = person("unit_edu", viewport=PHONE)
    page = unit.page
    page.goto("/my")
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的事项")
    expect(page.locator("tbody")).to_contain_text(question[:20])
    no_horizontal_scroll(page)
    unit.shot("20-phone-unit-my-items")
    open_item(page, question)
    expect(page.get_by_role("button", name="签收", exact=True)).to_be_visible()
    no_horizontal_scroll(page)
    unit.shot("21-phone-unit-item")
    staff = person("staff", viewport=PHONE)
    staff.page.goto(url)
    expect(staff.page.get_by_role("heading", level=1)).to_contain_text("询问问题")
    no_horizontal_scroll(staff.page)
    staff.shot("22-phone-staff-item")


def test_unit_cannot_open_another_units_item(person, edu_item):
    url, question = edu_item
    other = person("unit_health")
    page = other.page
    response = page.goto(url)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    expect(page.locator("main")).to_contain_text("您要找的页面不存在，或您无权查看。")
    expect(page.locator("main")).not_to_contain_text(question[:10])
    other.shot("30-unit-other-units-item-404")
    page.get_by_role("link", name="我的事项", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("区卫生健康局")
    expect(page.locator("main")).not_to_contain_text(question[:10])


@pytest.mark.parametrize("width", [1280, 390])
def test_signed_in_name_is_readable_on_the_header(person, width):
    """The account menu in the red header: Pico's grey summary colour used to win."""
    staff = person("staff", viewport={"width": width, "height": 844})
    staff.page.goto("/")
    expect(staff.page.locator(".user-menu summary")).to_contain_text("李秀兰")
    ratio = contrast(staff.page, ".user-menu summary", ".site-header")
    assert ratio >= 4.5, f"name on header contrast {ratio:.2f}:1 is below WCAG AA 4.5:1"


def test_earlier_items_appear_beside_the_form_without_replacing_it(person):
    """Typing a question and pausing loads "此前可能提出过同一问题" into its slot in the entry
    form. The slot inherited the form's ``hx-target="this"`` and ``hx-swap="outerHTML"``, so
    the suggestions replaced the whole form — everything typed was gone and the save button
    with it (CI met it when the page was slow enough for the lookup to land before the click)."""
    staff = person("staff")
    page = staff.page
    create_inquiry(page, "关于城区学校大班额问题的专题询问（浏览器）")
    form = page.locator("#item-form")
    form.get_by_label("询问人").fill("赵委员")
    form.get_by_label("询问问题 / 审议意见内容").fill("城区小学大班额问题何时能够全部消除？")
    expect(page.locator("#similar-items")).to_contain_text("此前可能提出过同一问题")  # a person pauses here
    expect(form.get_by_label("询问人")).to_have_value("赵委员")
    expect(form.get_by_label("询问问题 / 审议意见内容")).to_have_value("城区小学大班额问题何时能够全部消除？")
    expect(page.locator("#item-form #similar-items")).to_have_count(1)
    form.get_by_role("button", name="保存并继续录入").click()
    expect(flash(page)).to_contain_text("已录入询问问题 1")


def test_a_closed_form_opens_in_place_and_without_javascript(person, edu_item, browser, live_server, shots):
    """催办 is built only when its details opens (issue 16): htmx fetches the page with
    ``?form=notice`` and puts the form in place — no reload, typed text posts as before, a
    refusal comes back open with what was typed. Without JavaScript the details holds a
    link to the page with the form open."""
    url, _ = edu_item
    staff = person("staff")
    page = staff.page
    page.goto(url)
    mark_page(page)
    followup = page.locator("#followup")
    expect(followup.locator(".on-demand a")).to_have_count(2)  # 催办, 挂牌督办: not built yet
    expect(followup.locator("form")).to_have_count(0)
    followup.get_by_text("催办 / 督办", exact=True).click()
    form = form_with(page, "发送")
    form.get_by_text("督办通知（写明要求和回复期限）").click()
    form.get_by_label("内容").fill("请于十日内书面报告大班额化解进度")
    form.get_by_role("button", name="发送").click()  # no 回复期限: refused, nothing typed lost
    expect(page.locator("#followup .field-error")).to_contain_text("督办通知须设定回复期限")
    expect(form_with(page, "发送").get_by_label("内容")).to_have_value("请于十日内书面报告大班额化解进度")
    form = form_with(page, "发送")
    form.get_by_label("回复期限（督办必填）").fill((local_today() + timedelta(days=10)).isoformat())
    form.get_by_role("button", name="发送").click()
    expect(flash(page)).to_contain_text("已发送，承办单位将在通知中看到")
    expect(page.locator("#followup")).to_contain_text("请于十日内书面报告大班额化解进度")
    assert_not_reloaded(page)

    from .conftest import Person
    plain = Person(browser, live_server, "staff", shots, java_script=False)
    plain.login()
    plain.page.goto(url)
    plain.page.locator("#form-notice summary").click()
    plain.page.locator("#form-notice").get_by_role("link", name="打开表单").click()
    assert "?form=notice" in plain.page.url
    expect(plain.page.locator("#form-notice")).to_have_attribute("open", "")
    expect(form_with(plain.page, "发送").get_by_label("内容")).to_be_visible()
    plain.close()


def test_a_form_no_longer_allowed_says_so_when_opened(person, browser, live_server, shots):
    """The page was opened before someone else 作废 the item: opening 更正交办 then finds no
    form in the page that comes back. It says so in place, instead of an empty details."""
    staff = person("staff")
    page = staff.page
    question = "校外培训机构监管不到位的问题如何解决？"
    create_inquiry(page, "关于校外培训治理情况的专题询问（浏览器）")
    quick_add(page, question)
    expect(flash(page)).to_contain_text("已录入询问问题 1")
    open_item(page, question)
    assign(page, "区教育局")
    url = page.url

    from .conftest import Person
    other = Person(browser, live_server, "staff", shots).login()
    other.page.goto(url)
    other.page.locator("#form-withdraw summary").click()
    gone = form_with(other.page, "作废")
    gone.get_by_label("作废理由").fill("与第 3 条重复录入")
    gone.get_by_role("button", name="作废").click()
    expect(other.page.locator("main")).to_contain_text("本条已作废")
    other.close()

    page.locator("#form-correct summary").click()
    expect(page.locator("#form-correct")).to_contain_text("此操作现在不可用")
    expect(page.locator("#form-correct form")).to_have_count(0)
