"""The search tests' world (an item of 区教育局 with a report and attachments, one of
区卫生健康局) and how they read the results."""
from __future__ import annotations

import re

from tracker.extensions import db
from tracker.models import EntryKind
from tracker.services import items as ops

from .conftest import Client
from .helpers import make_activity, make_item, user
from .search_files import docx_with_text, pdf_with_text, xlsx_with_text

MARK = re.compile(r"<mark>(.*?)</mark>")


def found(client: Client, q: str, path: str = "/search", **params) -> str:
    response = client.get(path, query_string={"q": q, **params}, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def codes(body: str) -> set[str]:
    return set(re.findall(r"<strong>((?:询问问题|审议意见) \S+) ", body))


def build_world(app) -> dict:
    """An item of 区教育局 with a report and attachments, one of 区卫生健康局 (each test
    module's ``world`` fixture)."""
    with app.app_context():
        activity = make_activity()
        edu = make_item(activity, "rectifying")
        health = make_item(activity, "rectifying", unit_name="区卫生健康局")
        health.question = "基层医疗机构药品短缺问题如何解决？"
        lead = user("unit_edu")
        ops.post_progress(edu, EntryKind.PROGRESS, "已与区人社局协调，新增学位一千个。", [
            ops.UploadedFile("整改证明.pdf", pdf_with_text("区医保局完成停车场改造验收")),
            ops.UploadedFile("台账.xlsx", xlsx_with_text("学生营养餐补助资金")),
            ops.UploadedFile("说明.docx", docx_with_text("校车接送线路优化")),
            ops.UploadedFile("扫描件.pdf", b"%PDF-1.4 not really a pdf"),
        ], lead)
        ops.submit_report(edu, "整改情况报告：教师编制问题已基本解决，医保政策宣传到校。", [], lead)
        db.session.commit()
        ids = {"edu": edu.heading, "health": health.heading, "edu_id": edu.id, "health_id": health.id,
               "activity": activity.id}
    return ids
