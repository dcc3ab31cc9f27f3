"""The whole loop in a real browser, each step by the person whose job it is:
问 and 答 recorded by staff, 交办; 签收, progress with evidence, report by the unit;
受理 and 测评 by staff; secret votes by reviewers; 不满意 sends the item to round 2;
round 2 is 满意 and the item closes, with both rounds kept in its history."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .flows import (
    TEST_PDF,
    accept_and_open_evaluation,
    assign,
    close_evaluation,
    create_inquiry,
    flash,
    form_with,
    ids_are_unique,
    open_item,
    quick_add,
    stage_shows,
    submit_report,
    vote,
)

pytestmark = pytest.mark.browser

QUESTION = "城区学校大班额问题何时能够彻底解决？请教育局说明具体时间表和措施。"
ANSWER = ("王建国", "区教育局局长", "今年秋季新建两所学校，增加学位 1800 个。", "年底前消除 56 人以上大班额")
ROUND_ONE = ["满意", "基本满意", "不满意", "不满意", "不满意"]  # 1 满意 + 1 基本 < 2.5 of 5 → 不满意
ROUND_TWO = ["满意", "满意", "满意", "满意"]  # 4 of 5 members 满意 → 满意


def test_inquiry_goes_round_two_and_closes(person, tmp_path):
    staff = person("staff")
    page = staff.page

    # 问 + 答: a 专题询问 with the question and the answer given at the meeting.
    create_inquiry(page, "关于义务教育优质均衡发展情况的专题询问（浏览器）")
    quick_add(page, QUESTION, answer=ANSWER)
    expect(flash(page)).to_contain_text("已录入询问问题 1")
    expect(page.locator("#item-rows tr")).to_have_count(1)
    expect(page.locator("#item-rows")).to_contain_text("应询：王建国")
    staff.shot("01-staff-activity-with-question")
    open_item(page, QUESTION)
    stage_shows(page, "已答复（待交办）")
    expect(page.locator("article").filter(has_text="答 · 答复")).to_contain_text("增加学位 1800 个")

    # 交办 to 区教育局.
    deadline = assign(page, "区教育局")
    expect(page.locator("article").filter(has_text="改 · 交办与期限")).to_contain_text(deadline)
    staff.shot("02-staff-item-assigned")
    item_url = page.url

    # 改: the unit signs, posts progress with a PDF, then submits its report.
    unit = person("unit_edu")
    upage = unit.page
    upage.get_by_role("link", name="我的事项", exact=True).first.click()
    expect(upage.get_by_role("heading", level=1)).to_contain_text("我的事项")
    expect(upage.locator("tbody")).to_contain_text("已交办（待签收）")
    open_item(upage, QUESTION)
    upage.get_by_role("button", name="签收", exact=True).click()
    expect(flash(upage)).to_contain_text("已签收")
    stage_shows(upage, "整改中")
    ids_are_unique(upage)  # progress, report and extension forms side by side

    evidence = tmp_path / "新建学校开工证明.pdf"
    evidence.write_bytes(TEST_PDF)
    upage.get_by_text("报送答复/整改方案或整改进展").click()
    progress = form_with(upage, "报送")
    progress.get_by_label("类别").select_option(label="整改进展")
    progress.locator("textarea").fill("两所新建学校已开工，预计 9 月投入使用。")
    progress.get_by_label("附件（证明材料）").set_input_files(str(evidence))
    progress.get_by_role("button", name="报送").click()
    expect(flash(upage)).to_contain_text("已报送")
    rounds = upage.locator("#rounds")
    expect(rounds).to_contain_text("两所新建学校已开工")
    attachment = rounds.get_by_role("link", name="新建学校开工证明.pdf")
    expect(attachment).to_be_visible()
    download = upage.request.get(attachment.get_attribute("href"))
    assert download.status == 200 and download.body() == TEST_PDF
    unit.shot("03-unit-progress-with-attachment")

    submit_report(upage, "第一轮整改情况：两所学校已开工，大班额减少 40%。", round_no=1)
    assert unit.dialogs == ["提交后由常委会工作机构审核，确定提交吗？"], unit.dialogs

    # Another unit can reach neither the item nor its evidence.
    other = person("unit_health")
    response = other.page.goto(item_url)
    assert response.status == 404
    expect(other.page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    assert other.page.request.get(attachment.get_attribute("href")).status == 404

    # 评, round 1: staff accept and open the vote; five reviewers vote; 不满意 → round 2.
    page.reload()
    accept_and_open_evaluation(page, round_no=1)
    title = QUESTION[:40]
    reviewers = [person(f"reviewer{number}") for number in range(1, 6)]
    for reviewer, grade in zip(reviewers, ROUND_ONE, strict=True):
        vote(reviewer.page, title, grade)
        # Asked once, on submit — not again when the grade is clicked or the button pressed.
        assert reviewer.dialogs == ["提交后不能修改，确定提交吗？"], reviewer.dialogs
    reviewers[0].shot("04-reviewer-voted")
    page.reload()
    expect(page.locator("#evaluation")).to_contain_text("已有 5 人参加")
    ids_are_unique(page)
    close_evaluation(page)
    stage_shows(page, "整改中")
    expect(page.locator(".page-head")).to_contain_text("第 2 轮")
    first = page.locator(".round").filter(has_text="第 1 轮")
    expect(first).to_contain_text("满意度测评结果：不满意")
    expect(first).to_contain_text("满意 1，基本满意 1，不满意 3，无效 0")
    expect(first).to_contain_text(re.compile(r"进入下一轮整改，期限 \d{4}年\d{1,2}月\d{1,2}日"))
    staff.shot("05-staff-round-one-unsatisfied")

    # Round 2: the unit reports again (no new 签收), staff accept, four reviewers vote 满意.
    upage.reload()
    stage_shows(upage, "整改中")
    expect(upage.get_by_role("button", name="签收", exact=True)).to_have_count(0)
    submit_report(upage, "第二轮整改情况：大班额已全部消除。", round_no=2)
    page.reload()
    accept_and_open_evaluation(page, round_no=2)
    for reviewer, grade in zip(reviewers, ROUND_TWO, strict=False):
        vote(reviewer.page, title, grade)
    page.reload()
    close_evaluation(page)
    stage_shows(page, "办结（已落实）")
    second = page.locator(".round").filter(has_text="第 2 轮")
    expect(second).to_contain_text("满意度测评结果：满意")
    expect(second).to_contain_text("满意 4，基本满意 0，不满意 0，无效 0")
    expect(page.locator(".round").filter(has_text="第 1 轮")).to_contain_text("满意度测评结果：不满意")
    expect(page.locator("article").filter(has_text="改 · 交办与期限")).to_contain_text("按期")
    expect(page.locator("#timeline")).to_contain_text("事项办结")
    staff.shot("06-staff-item-closed")

    # The unit sees the closed item in its list.
    upage.get_by_role("link", name="我的事项", exact=True).first.click()
    expect(upage.locator("tbody tr").filter(has_text=title)).to_contain_text("办结（已落实）")
