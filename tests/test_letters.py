"""交办函, 督办函, 测评结果通报: built from the records, staff only, and real Word files."""
from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import unquote

import pytest
from docx import Document

from tracker.extensions import db
from tracker.models import Activity, Evaluation, EvaluationMode, Origin, local_today
from tracker.services import evaluations as ev
from tracker.services import items as ops

from .conftest import login_as
from .helpers import current_evaluation, make_activity, make_item, unit, user
from .test_gongwen import pdf_pages, pdf_text, soffice_to_pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == DOCX
    doc = Document(io.BytesIO(response.data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.fixture
def seeded(app, demo):
    with app.app_context():
        activity = make_activity()
        lead = make_item(activity, "rectifying", co_units=("区卫生健康局",))
        other = make_item(activity, "assigned", unit_name="区卫生健康局")
        make_item(activity, "asked")
        overdue = make_item(activity, "rectifying")
        overdue.deadline = local_today() - timedelta(days=4)
        closed = make_item(activity, "closed")
        db.session.commit()
        return {"activity": activity.id, "lead": lead.id, "other": other.id, "overdue": overdue.id,
                "closed": closed.id, "evaluation": current_evaluation(closed).id,
                "edu": unit("区教育局").id, "health": unit("区卫生健康局").id}


def test_assignment_letter_lists_the_units_items(app, seeded):
    staff = login_as(app, "staff")
    page = staff.get(f"/activities/{seeded['activity']}").get_data(as_text=True)
    href = f"/ledger/activities/{seeded['activity']}/units/{seeded['health']}/assignment-letter"
    assert href in page and "区卫生健康局" in page
    response = staff.get(href)
    text = _text(response)
    assert "XX区人大常委会办公室" in text
    assert f"X人常办函〔{local_today().year}〕{seeded['activity']}号" in text
    assert "关于交办常委会第25次会议专题询问问题的函" in text
    assert "区卫生健康局：" in text
    assert "现将需由你单位办理的2项专题询问问题交办如下" in text
    assert "协办（牵头：区教育局）" in text and "牵头" in text
    assert "联系人：李秀兰（社会建设工作委员会）" in text
    disposition = unquote(response.headers["Content-Disposition"])
    assert f"filename*=UTF-8''交办函-区卫生健康局-{seeded['activity']}.docx" in disposition


def test_supervision_letter_only_for_overdue_items(app, seeded):
    staff = login_as(app, "staff")
    page = staff.get(f"/items/{seeded['overdue']}").get_data(as_text=True)
    assert f"/ledger/items/{seeded['overdue']}/supervision-letter" in page
    text = _text(staff.get(f"/ledger/items/{seeded['overdue']}/supervision-letter"))
    assert "区教育局：" in text and "已逾期4天" in text and "城区学校大班额问题何时解决？" in text
    assert "将提请主任会议挂牌督办" in text

    assert "supervision-letter" not in staff.get(f"/items/{seeded['lead']}").get_data(as_text=True)
    response = staff.get(f"/ledger/items/{seeded['lead']}/supervision-letter")
    assert response.status_code == 303
    assert "该事项未逾期" in staff.get(response.headers["Location"]).get_data(as_text=True)


def test_result_notice_for_a_closed_evaluation(app, seeded):
    staff = login_as(app, "staff")
    href = f"/ledger/evaluations/{seeded['evaluation']}/result-notice"
    assert href in staff.get(f"/items/{seeded['closed']}").get_data(as_text=True)
    text = _text(staff.get(href))
    assert "满意度测评结果的通报" in text
    assert "第1轮整改（研究处理）情况报告进行了满意度测评" in text
    assert "该事项予以办结（销号）" in text
    assert "满意" in text.split("测评结果")[-1]
    with app.app_context():
        item = make_item(make_activity(title="另一活动"), "accepted")
        ev.open_evaluation(item, EvaluationMode.ONLINE, 5, user("staff"))
        db.session.commit()
        open_id = db.session.scalar(db.select(Evaluation.id).where(Evaluation.item_id == item.id))
    assert staff.get(f"/ledger/evaluations/{open_id}/result-notice").status_code == 404


@pytest.mark.parametrize("who", ["unit_edu", "unit_health", "reviewer1"])
def test_letters_are_staff_only(app, seeded, who):
    client = login_as(app, who)
    for path in (f"/ledger/activities/{seeded['activity']}/units/{seeded['edu']}/assignment-letter",
                 f"/ledger/items/{seeded['overdue']}/supervision-letter",
                 f"/ledger/evaluations/{seeded['evaluation']}/result-notice"):
        assert client.get(path).status_code == 403, path
    assert "result-notice" not in client.get(f"/items/{seeded['closed']}").get_data(as_text=True)


def test_unknown_or_empty_targets_are_404(app, seeded):
    staff = login_as(app, "staff")
    with app.app_context():
        finance = unit("区财政局").id
    assert staff.get(f"/ledger/activities/{seeded['activity']}/units/{finance}/assignment-letter").status_code == 404
    assert staff.get(f"/ledger/activities/999999/units/{seeded['edu']}/assignment-letter").status_code == 404
    assert staff.get("/ledger/items/999999/supervision-letter").status_code == 404
    assert staff.get("/ledger/evaluations/999999/result-notice").status_code == 404


@pytest.mark.slow
def test_assignment_letter_converts_to_pdf_with_libreoffice(app, seeded, tmp_path):
    with app.app_context():
        activity = db.session.get(Activity, seeded["activity"])
        for i in range(12):  # enough rows for the table to run onto a second page
            question = f"第{i}个问题：" + "学位供给" * 12
            item = ops.add_item(activity, ops.ItemData(origin=Origin.QUESTION, question=question), user("staff"))
            ops.assign_item(item, ops.Assignment(unit("区卫生健康局").id, [], local_today() + timedelta(days=30)),
                            user("staff"))
        db.session.commit()
    response = login_as(app, "staff").get(
        f"/ledger/activities/{seeded['activity']}/units/{seeded['health']}/assignment-letter")
    assert response.status_code == 200
    soffice_to_pdf(response.data, tmp_path)
    pdf = tmp_path / "letter.pdf"
    pages = pdf_pages(pdf)
    assert pages >= 2
    first = "".join(pdf_text(pdf, 1))
    assert "关于交办常委会第25次会议专题询问问题的函" in first and "区卫生健康局：" in first
    assert "—1—" in first
    last = "".join(pdf_text(pdf, pages))
    assert "XX区人大常委会办公室" in last and f"—{pages}—" in last
