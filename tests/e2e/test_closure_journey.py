"""After the vote, in a real browser: the members are satisfied but staff grade the work
部分落实, so the item closes as 办结（部分落实，转入跟踪）; a 回头看 asks the unit for an
update with evidence and finds the promise broken (承诺未兑现); staff reopen the item as
round 2 with a reason; round 2 is graded 全部落实 and closes as 办结（已落实）. Both rounds
stay on the page. It starts from the answer: class C (列入计划逐步解决) is refused until a
commitment carries a date, then the dated commitment is on the item page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tracker.models import local_today

from .flows import (
    TEST_PDF,
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

QUESTION = "城区学校大班额问题承诺年底前消除，届时能否兑现？请教育局说明。"
ANSWER = ("李明", "区教育局副局长", "今年新建两所小学，年底前消除 56 人以上大班额。", "年底前消除 56 人以上大班额")


def accept_with_verdict(page, grade: str, reason: str = "") -> None:
    """Staff: 受理报告 with the 落实评定, then open an online vote."""
    form = form_with(page, "受理报告")
    form.get_by_label("落实评定").select_option(label=grade)
    if reason:
        form.get_by_label("评定理由（部分落实、未落实须填写）").fill(reason)
    form.get_by_role("button", name="受理报告").click()
    expect(flash(page)).to_contain_text("已受理报告")
    opening = form_with(page, "开启测评")
    opening.get_by_label("测评方式").select_option(label="网上测评")
    opening.get_by_role("button", name="开启测评").click()
    expect(flash(page)).to_contain_text("已开启满意度测评")


def test_partly_done_look_back_finds_the_promise_broken_reopen_and_close_done(person, tmp_path):
    staff = person("staff")
    page = staff.page
    create_inquiry(page, "关于学位供给情况的专题询问（回头看）")
    quick_add(page, QUESTION)
    open_item(page, QUESTION)
    # 答: class C needs a commitment with a date — refused, named, nothing saved — then saved.
    name, post, text, promise = ANSWER
    answer = form_with(page, "保存答复")
    answer.locator("[name=respondent_name]").fill(name)
    answer.locator("[name=respondent_post]").fill(post)
    answer.locator("[name=answer]").fill(text)
    answer.locator("[name=commitments]").fill("继续推进学位建设")
    answer.locator("[name=answer_class]").select_option(label="C 列入计划逐步解决")
    answer.get_by_role("button", name="保存答复").click()
    expect(flash(page)).to_contain_text("须至少有一项写明完成日期的承诺")
    stage_shows(page, "已记录（待答复）")
    due = local_today().replace(month=12, day=31)
    answer = form_with(page, "保存答复")
    answer.locator("[name=answer]").fill(text)
    answer.locator("[name=commitments]").fill(promise)
    answer.locator("[name=commitment_due]").fill(due.isoformat())
    answer.locator("[name=answer_class]").select_option(label="C 列入计划逐步解决")
    answer.get_by_role("button", name="保存答复").click()
    stage_shows(page, "已答复（待交办）")
    expect(page.locator("#commitments")).to_contain_text(promise)
    expect(page.locator("body")).to_contain_text("C 列入计划逐步解决")
    assign(page, "区教育局")
    item_url = page.url

    unit = person("unit_edu")
    upage = unit.page
    upage.goto(item_url)
    upage.get_by_role("button", name="签收", exact=True).click()
    expect(flash(upage)).to_contain_text("已签收")
    submit_report(upage, "第一轮整改情况：一所新校已投用，另一所年底前完工。", round_no=1)

    # 受理 with a 部分落实 verdict: a missing reason is refused, named, and nothing moves.
    page.reload()
    form = form_with(page, "受理报告")
    form.get_by_label("落实评定").select_option(label="部分落实")
    form.get_by_role("button", name="受理报告").click()
    expect(flash(page)).to_contain_text("落实评定理由：请写明理由")
    stage_shows(page, "报告待审核")
    accept_with_verdict(page, "部分落实", "第二所小学尚未投用，大班额未全部消除")

    title = QUESTION[:40]
    reviewers = [person(f"reviewer{n}") for n in range(1, 5)]
    for reviewer in reviewers:
        vote(reviewer.page, title, "满意")
    page.reload()
    close_evaluation(page)
    # The vote passed, the substance did not: 办结, but honestly.
    stage_shows(page, "办结（部分落实，转入跟踪）")
    first = page.locator(".round").filter(has_text="第 1 轮")
    expect(first).to_contain_text("满意度测评结果：满意")
    expect(first).to_contain_text("落实评定：部分落实")
    expect(page.locator("#closure")).to_contain_text("按测评结果满意，落实评定部分落实确定")
    staff.shot("closure-01-partly-done")

    # 回头看: staff schedule it for today (not before 办结).
    today = local_today()
    page.get_by_text("安排回头看", exact=True).first.click()
    lookback = form_with(page, "安排回头看")
    lookback.get_by_label("回头看日期（留空：按办结后的月数设置）").fill(today.isoformat())
    lookback.get_by_label("回头看要求（可不填）").fill("核实第二所小学是否投用、大班额是否清零")
    lookback.get_by_role("button", name="安排回头看").click()
    expect(flash(page)).to_contain_text("已安排回头看")
    page.get_by_role("link", name="回头看", exact=True).first.click()
    expect(page.locator(".lookback-list")).to_contain_text(title)
    expect(page.locator(".lookback-list")).to_contain_text("已到期，待单位报送")

    # The unit answers with evidence.
    evidence = tmp_path / "学位统计表.pdf"
    evidence.write_bytes(TEST_PDF)
    upage.goto(item_url)
    answer = form_with(upage, "报送回头看情况")
    answer.get_by_label("回头看情况（整改成果是否巩固、承诺是否兑现）").fill("第二所小学因征地推迟，仍有 6 个大班额。")
    answer.get_by_label("证明材料").set_input_files(str(evidence))
    answer.get_by_role("button", name="报送回头看情况").click()
    expect(flash(upage)).to_contain_text("已报送回头看情况")
    expect(upage.locator("#lookbacks")).to_contain_text("承办单位已报送")
    expect(upage.locator("#rounds").get_by_role("link", name="学位统计表.pdf")).to_be_visible()
    unit.shot("closure-02-unit-lookback-answer")

    # Staff: 承诺未兑现, reopen — first without a reason (refused), then with one.
    page.goto(item_url)
    finding = form_with(page, "记录回头看结论")
    finding.get_by_label("回头看结论").select_option(label="承诺未兑现")
    finding.get_by_label("重新打开本事项，进入新一轮整改").check()
    finding.get_by_role("button", name="记录回头看结论").click()
    expect(flash(page)).to_contain_text("重新打开的理由：请写明理由")
    stage_shows(page, "办结（部分落实，转入跟踪）")
    finding = form_with(page, "记录回头看结论")
    finding.get_by_label("回头看结论").select_option(label="承诺未兑现")
    finding.get_by_label("重新打开本事项，进入新一轮整改").check()
    finding.get_by_label("重新打开的理由（重新打开时必填）").fill("年底前消除大班额的承诺未兑现")
    finding.get_by_role("button", name="记录回头看结论").click()
    expect(flash(page)).to_contain_text("已记录回头看结论")
    stage_shows(page, "整改中")
    expect(page.locator(".page-head")).to_contain_text("第 2 轮")
    expect(page.locator("#lookbacks")).to_contain_text("承诺未兑现")
    expect(page.locator("#lookbacks")).to_contain_text("已重新打开，进入第 2 轮整改")
    ids_are_unique(page)

    # Round 2: report, 全部落实, 满意 → 办结（已落实）.
    upage.reload()
    submit_report(upage, "第二轮整改情况：第二所小学已投用，大班额全部消除。", round_no=2)
    page.reload()
    accept_with_verdict(page, "全部落实")
    for reviewer in reviewers:
        vote(reviewer.page, title, "满意")
    page.reload()
    close_evaluation(page)
    stage_shows(page, "办结（已落实）")
    expect(page.locator(".round").filter(has_text="第 2 轮")).to_contain_text("落实评定：全部落实")
    first = page.locator(".round").filter(has_text="第 1 轮")
    expect(first).to_contain_text("本轮办结（部分落实，转入跟踪）")
    expect(page.locator("#timeline")).to_contain_text("回头看结论：承诺未兑现")
    staff.shot("closure-03-done-after-reopening")
