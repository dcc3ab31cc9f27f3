"""What people do on screen, step by step, shared by the journeys.

Every helper acts the way a person does — a label to fill, a button to click by its
text, an option to choose — and then checks what the page now shows, so a journey
fails at the first screen that is wrong rather than at some later count.
"""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Locator, Page, expect

from tracker.models import local_today

TEST_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def form_with(page: Page, button: str) -> Locator:
    """The form that holds the button a person would press."""
    return page.locator("form").filter(has=page.get_by_role("button", name=button, exact=True))


def flash(page: Page) -> Locator:
    return page.locator("#messages")


def mark_page(page: Page) -> None:
    """Put a marker on the window: it survives hx-boost swaps and dies on a full reload."""
    page.evaluate("window.__e2eMarker = 'still-here'")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__e2eMarker") == "still-here", "the page was fully reloaded"


def create_inquiry(page: Page, title: str) -> None:
    """Staff: 监督活动 → 新建监督活动 → a 专题询问 at a meeting → its page."""
    page.get_by_role("link", name="监督活动", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("监督活动")
    page.get_by_role("button", name="新建监督活动").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建监督活动")
    page.get_by_label("活动类型").select_option(label="专题询问")
    page.get_by_label("活动名称").fill(title)
    page.get_by_label("次（常委会第N次会议").fill("25")
    page.get_by_label("听取审议的报告").fill("区人民政府关于义务教育优质均衡发展情况的报告")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(flash(page)).to_contain_text("已创建监督活动")


def quick_add(page: Page, question: str, *, unit: str = "区教育局", asker: str = "张委员",
              answer: tuple[str, str, str, str] | None = None) -> None:
    """Staff, on the activity page: type one question (and the answer given at the meeting)."""
    form = page.locator("#item-form")
    form.get_by_label("被询问（承办）单位").select_option(label=unit)
    form.get_by_label("询问人").fill(asker)
    form.get_by_label("询问问题 / 审议意见内容").fill(question)
    if answer:
        name, post, text, commitments = answer
        details = form.locator("details").filter(has_text="答复与承诺")
        if details.get_attribute("open") is None:
            form.get_by_text("答复与承诺（专题询问现场答复，可选）").click()
        form.get_by_label("应询人", exact=False).first.fill(name)
        form.get_by_label("应询人职务").fill(post)
        form.get_by_label("答复内容").fill(text)
        form.get_by_label("承诺事项").fill(commitments)
    form.get_by_role("button", name=re.compile("保存并继续录入")).click()


def open_item(page: Page, question: str) -> None:
    page.get_by_role("link", name=question[:40]).first.click()
    expect(page.locator("article").filter(has_text="问 · 询问问题")).to_contain_text(question)


def stage_shows(page: Page, text: str) -> None:
    expect(page.locator(".page-head .tag").first).to_contain_text(text)


def assign(page: Page, unit: str, days: int = 60) -> str:
    """Staff, on the item page: 交办 to a lead unit with a deadline; returns the deadline as
    the page shows it (2026年8月3日: one date format on every screen)."""
    day = local_today() + timedelta(days=days)
    deadline = f"{day.year}年{day.month}月{day.day}日"
    form = form_with(page, "交办")
    form.get_by_label("牵头单位").select_option(label=unit)
    form.get_by_label("办理期限").fill(day.isoformat())
    form.get_by_role("button", name="交办", exact=True).click()
    expect(flash(page)).to_contain_text("已交办")
    stage_shows(page, "已交办（待签收）")
    return deadline


def submit_report(page: Page, text: str, round_no: int) -> None:
    """Unit, on the item page: open the report form of this round and submit it (with the confirm)."""
    page.get_by_text(f"提交第 {round_no} 轮整改情况报告").click()
    form = form_with(page, "提交报告")
    form.get_by_label("整改情况报告").fill(text)
    form.get_by_role("button", name="提交报告").click()
    expect(flash(page)).to_contain_text("整改情况报告已提交")
    stage_shows(page, "报告待审核")


def accept_and_open_evaluation(page: Page, round_no: int) -> None:
    """Staff: 受理报告, then 开启测评 online (the member count comes from the active reviewers)."""
    page.get_by_role("button", name="受理报告").click()
    expect(flash(page)).to_contain_text("已受理报告")
    stage_shows(page, "报告已受理（待测评）")
    form = form_with(page, "开启测评")
    expect(page.get_by_text(f"开启第 {round_no} 轮满意度测评")).to_be_visible()
    form.get_by_label("测评方式").select_option(label="网上测评")
    form.get_by_role("button", name="开启测评").click()
    expect(flash(page)).to_contain_text("已开启满意度测评")
    stage_shows(page, "测评中")
    expect(page.locator("#evaluation")).to_contain_text(f"第 {round_no} 轮满意度测评")
    expect(page.locator("#evaluation")).to_contain_text("全体组成人员 5 人")


def vote(page: Page, item_title: str, grade: str) -> None:
    """Reviewer: 满意度测评 → 去测评 on the item → choose a grade → 提交测评票."""
    page.get_by_role("link", name="满意度测评", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("满意度测评")
    row = page.locator("tr").filter(has_text=item_title)
    row.get_by_role("button", name="去测评").click()
    section = page.locator("#evaluation")
    section.get_by_label(grade, exact=True).check()
    section.get_by_role("button", name="提交测评票").click()
    expect(flash(page)).to_contain_text("已提交测评票")
    expect(page.locator("#evaluation")).to_contain_text("您已参加本轮测评")
    # Secret ballot: nothing on the reviewer's page says how anyone voted while it is open.
    expect(page.locator("#evaluation")).not_to_contain_text("满意 1")


def close_evaluation(page: Page) -> None:
    page.get_by_role("button", name="结束测评并计算结果").click()
    expect(flash(page)).to_contain_text("测评已结束")


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"page scrolls sideways: scrollWidth {width[0]} > innerWidth {width[1]}"


def ids_are_unique(page: Page) -> None:
    """Several forms share the item page; a repeated id sends a label to another form's box."""
    repeated = page.evaluate("""() => {
        const seen = {}, twice = [];
        document.querySelectorAll("[id]:not(input[type=hidden])").forEach(el => {
            if (seen[el.id]) { twice.push(el.id); } seen[el.id] = true;
        });
        return twice;
    }""")
    assert not repeated, f"ids used more than once on {page.url}: {repeated}"


def contrast(page: Page, selector: str, background_selector: str) -> float:
    """WCAG contrast ratio between an element's text colour and another element's background."""
    colours = page.evaluate("""([fg, bg]) => {
        const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
        return [rgb(getComputedStyle(document.querySelector(fg)).color),
                rgb(getComputedStyle(document.querySelector(bg)).backgroundColor)];
    }""", [selector, background_selector])

    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    light, dark = sorted((luminance(colours[0]), luminance(colours[1])), reverse=True)
    return (light + 0.05) / (dark + 0.05)
