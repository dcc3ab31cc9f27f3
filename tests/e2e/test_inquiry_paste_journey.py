"""A 专题询问 record the way staff receive it, in a real browser: paste the record, check
the pairing, the officials and the dated promises in the preview (with the live counter),
correct one date, save every question in one request, and land on 批量交办."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .flows import create_inquiry, flash

pytestmark = pytest.mark.browser

RECORD = (Path(__file__).parent.parent / "fixtures" / "inquiry_record.txt").read_text()
TITLE = "关于义务教育优质均衡发展情况的专题询问（粘贴记录）"


def test_inquiry_record_pasted_checked_and_saved_in_one_request(person):
    staff = person("staff")
    page = staff.page
    create_inquiry(page, TITLE)
    page.get_by_role("button", name="粘贴询问记录").click()
    page.get_by_label("专题询问记录全文").fill(RECORD)
    page.get_by_role("button", name="识别问答").click()
    expect(page.get_by_role("heading", name="问答识别结果")).to_be_visible()
    rows = page.locator("table.inquiry-preview tbody tr")
    expect(rows).to_have_count(2)
    first, second = rows.nth(0), rows.nth(1)
    expect(first.get_by_label("第 1 问的询问人")).to_have_value("王某某")
    expect(first.get_by_label("第 1 问的应询人", exact=True)).to_have_value("张某某、李某某")
    expect(first.get_by_label("第 1 问的应询人职务")).to_have_value("区教育局局长、区财政局副局长")
    expect(first.get_by_label("第 1 问的承诺事项")).to_have_value(re.compile(r"【承诺期限 \d{4}-12-31】"))
    expect(first.locator(".promise-rules")).to_contain_text("“年底前”→ 基准日期所在年 12 月 31 日")
    expect(second.get_by_label("第 2 问的被询问单位").locator("option:checked")).to_have_text("区市场监督管理局")
    expect(page.locator("details").filter(has_text="已去掉的记者提问")).to_be_visible()
    staff.shot("30-staff-inquiry-preview")

    # The counter says the limit before the server does, and nothing is cut.
    question = second.get_by_label("第 2 问的问题")
    question.fill("问" * 5001)
    counter = second.locator(".char-counter.over-limit")
    expect(counter).to_contain_text("5,001 / 5,000 字，超出 1 字")
    assert len(question.input_value()) == 5001
    page.get_by_role("button", name="保存全部 2 问").click()
    expect(flash(page)).to_contain_text("「第 2 问的问题」共 5,001 字，超过上限 5,000 字")
    expect(page.locator("table.inquiry-preview tbody tr")).to_have_count(2)  # every edit kept

    rows = page.locator("table.inquiry-preview tbody tr")
    rows.nth(1).get_by_label("第 2 问的问题").fill("学校食堂安全怎么保障？")
    commitments = rows.nth(1).get_by_label("第 2 问的承诺事项")
    commitments.fill(re.sub(r"【承诺期限 [^】]*】", "【承诺期限 2026-07-15】", commitments.input_value()))
    page.get_by_role("button", name="保存全部 2 问").click()
    expect(flash(page)).to_contain_text("已录入 2 个询问问题及答复和承诺")
    expect(page.get_by_role("heading", level=1)).to_have_text("批量交办")
    expect(page.locator("tbody tr")).to_have_count(2)
    staff.shot("31-staff-inquiry-saved-bulk-assign")
