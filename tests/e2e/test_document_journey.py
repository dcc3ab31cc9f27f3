"""A 审议意见 the way the committee handles it, in a real browser: staff paste the whole
document, check the split, save its eight points and 交办 them in one go; the unit
answers them with one 研究处理情况报告; staff return it once (the unit's form comes back
filled in) and accept it with the committee's 审查意见."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .flows import flash

pytestmark = pytest.mark.browser

OPINION = (Path(__file__).parent.parent / "fixtures" / "opinion_8_points.txt").read_text()
TITLE = "审议区人民政府关于养老服务体系建设情况的报告（浏览器）"


class Counter:
    """Counts what the clerk does from the paste to the 交办: clicks and page loads."""

    def __init__(self, page):
        self.clicks = 0
        self.loads = 0
        page.on("request", self._request)

    def _request(self, request):
        if request.resource_type == "document" or request.headers.get("hx-request") == "true":
            self.loads += 1

    def click(self, locator):
        self.clicks += 1
        locator.click()

    def select(self, locator, **option):
        self.clicks += 1
        locator.select_option(**option)


def test_opinion_pasted_assigned_reported_returned_and_accepted(person):
    staff = person("staff")
    page = staff.page
    page.get_by_role("link", name="监督活动", exact=True).first.click()
    page.get_by_role("button", name="新建监督活动").click()
    page.get_by_label("活动类型").select_option(label="专项工作报告审议")
    page.get_by_label("活动名称").fill(TITLE)
    page.get_by_label("听取审议的报告").fill("区人民政府关于养老服务体系建设情况的报告")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    count = Counter(page)
    count.click(page.get_by_role("button", name="粘贴审议意见全文"))
    page.get_by_label("审议意见全文").fill(OPINION)
    count.click(page.get_by_role("button", name="拆分预览"))
    expect(page.get_by_role("heading", name="拆分预览结果")).to_be_visible()
    rows = page.locator("table.paste-preview tbody tr")
    expect(rows).to_have_count(8)
    staff.shot("20-staff-paste-preview")
    for i in range(8):  # the unit of each point: 区卫生健康局 for this journey
        count.select(rows.nth(i).get_by_label(re.compile("承办单位")), label="区卫生健康局")
    count.click(page.get_by_role("button", name="保存全部 8 条"))
    expect(flash(page)).to_contain_text("已按文件编号录入 8 条审议意见")
    expect(page.get_by_role("heading", level=1)).to_have_text("批量交办")
    count.click(page.get_by_role("button", name="交办勾选的条目"))
    expect(flash(page)).to_contain_text("已交办 8 条")
    print(f"\n8-point 审议意见 from paste to 交办: {count.clicks} clicks, {count.loads} page loads")
    assert count.clicks <= 13 and count.loads <= 6
    expect(page.locator("#item-rows")).to_contain_text("八")
    staff.shot("21-staff-activity-after-bulk-assign")

    # The unit signs for its points and answers them all with one report.
    unit = person("unit_health")
    upage = unit.page
    for _ in range(8):  # 签收, point by point, from 我的事项
        upage.get_by_role("link", name="我的事项", exact=True).first.click()
        row = upage.locator("tbody tr").filter(has_text=TITLE).filter(has_text="待签收").first
        row.get_by_role("link").first.click()
        upage.get_by_role("button", name="签收").click()
        expect(flash(upage)).to_contain_text("已签收")
    upage.get_by_role("button", name=re.compile("按文件报送研究处理情况报告")).click()
    expect(upage.get_by_role("heading", level=1)).to_contain_text("研究处理情况报告")
    upage.get_by_label("报告正文").fill("区人民政府认真研究审议意见，现将研究处理情况报告如下。")
    upage.get_by_label("审议意见 六的办理状态").select_option(label="列入计划")
    upage.get_by_label("审议意见 六的预计完成日期").fill("2027-09-30")
    upage.get_by_label("审议意见 六的说明").fill("养老机构安全整治列入明年计划。")
    upage.get_by_role("button", name="报送报告").click()
    expect(flash(upage)).to_contain_text("共 8 项，等待审核")
    report_url = upage.url
    unit.shot("22-unit-document-report")

    # Staff return it once, with a reason.
    page.goto(report_url)
    page.get_by_label("退回理由").fill("第六条未说明经费来源，请补充。")
    page.get_by_role("button", name="退回报告").click()
    expect(flash(page)).to_contain_text("已退回报告")

    # The unit sees why, and its form comes back with everything it wrote.
    upage.get_by_role("link", name="我的事项", exact=True).first.click()
    upage.get_by_role("link", name=re.compile("强化养老机构")).first.click()
    expect(upage.locator("main")).to_contain_text("第六条未说明经费来源")
    upage.get_by_role("link", name="打开退回的报告继续修改").click()
    expect(upage.get_by_label("报告正文")).to_have_value(re.compile("现将研究处理情况报告如下"))
    expect(upage.get_by_label("审议意见 六的说明")).to_have_value("养老机构安全整治列入明年计划。")
    unit.shot("23-unit-returned-report-prefilled")
    upage.get_by_label("报告正文").fill("区人民政府认真研究审议意见，现将研究处理情况报告如下。经费已列入明年预算。")
    upage.get_by_role("button", name="报送报告").click()
    expect(flash(upage)).to_contain_text("等待审核")

    # Staff accept it once, with the committee's 审查意见.
    page.goto(upage.url)
    page.get_by_label(re.compile("审查意见")).fill("总体同意。请于明年底前报告养老机构安全整治情况。")
    page.get_by_role("button", name="受理报告").click()
    expect(flash(page)).to_contain_text("已受理报告")
    expect(page.locator("main")).to_contain_text("总体同意")
    staff.shot("24-staff-report-accepted")
