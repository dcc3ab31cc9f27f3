"""交办函, 督办函, 测评结果通报: issued once with a registered 发文字号, staff only, real Word files."""
from __future__ import annotations

import io
import shutil
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from docx import Document

from tracker.documents.gongwen import Letter, Para
from tracker.extensions import db
from tracker.models import (
    Activity,
    AuditEntry,
    Evaluation,
    EvaluationMode,
    IssuedLetter,
    Item,
    LetterKind,
    Origin,
    local_today,
)
from tracker.services import evaluations as ev
from tracker.services import items as ops
from tracker.services.register import issue_letter
from tracker.tally import Grade

from .conftest import login_as
from .helpers import current_evaluation, make_activity, make_item, unit, user
from .test_gongwen_render import closing_only_pages, pdf_pages, pdf_text, soffice_many

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ARTIFACTS = Path(__file__).parent / "artifacts" / "letters"
TODAY = local_today()
YEAR = TODAY.year
SIGNATURE = "XX区人大常委会办公室"


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == DOCX
    doc = Document(io.BytesIO(response.data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _issue(client, path: str):
    """Press the 制发 button: a 303 to the stored letter, then its download."""
    response = client.post(path)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    assert "/ledger/letters/" in location
    return location, client.get(location)


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


def _paths(seeded) -> dict[str, str]:
    return {
        "assign_health": f"/ledger/activities/{seeded['activity']}/units/{seeded['health']}/assignment-letter",
        "assign_edu": f"/ledger/activities/{seeded['activity']}/units/{seeded['edu']}/assignment-letter",
        "supervision": f"/ledger/items/{seeded['overdue']}/supervision-letter",
        "notice": f"/ledger/evaluations/{seeded['evaluation']}/result-notice",
    }


def test_assignment_letter_lists_the_units_items(app, seeded):
    staff = login_as(app, "staff")
    page = staff.get(f"/activities/{seeded['activity']}").get_data(as_text=True)
    href = _paths(seeded)["assign_health"]
    assert f'action="{href}"' in page and "区卫生健康局" in page
    _, response = _issue(staff, href)
    text = _text(response)
    assert f"X人常办函〔{YEAR}〕1号" in text
    assert "关于交办常委会第25次会议\n专题询问问题的函" in text  # broken by sense, no lone "函"
    assert "区卫生健康局：" in text
    assert "现将需由你单位办理的2项专题询问问题交办如下" in text
    assert "协办（牵头：区教育局）" in text and "牵头" in text
    assert "（联系人：李秀兰（社会建设工作委员会））" in text  # the 附注 under the date
    disposition = unquote(response.headers["Content-Disposition"])
    assert f"filename*=UTF-8''交办函-区卫生健康局-{YEAR}年第1号.docx" in disposition


def test_contact_phone_setting_goes_into_the_note(app, seeded):
    app.config["LETTER_CONTACT_PHONE"] = "0574-12345678"
    _, response = _issue(login_as(app, "staff"), _paths(seeded)["assign_health"])
    assert "（联系人：李秀兰（社会建设工作委员会），联系电话：0574-12345678）" in _text(response)


def test_distinct_letters_get_distinct_numbers_per_series(app, seeded):
    """The old numbers came from database ids: an activity's 交办函 all shared one, and a 通报
    and a 督办函 could carry the same number.  Now 函 and 通报 count separately, per year."""
    staff = login_as(app, "staff")
    numbers = {}
    for name, path in _paths(seeded).items():
        _, response = _issue(staff, path)
        text = _text(response)
        numbers[name] = next(line for line in text.splitlines() if "〔" in line)
    assert numbers == {
        "assign_health": f"X人常办函〔{YEAR}〕1号", "assign_edu": f"X人常办函〔{YEAR}〕2号",
        "supervision": f"X人常办函〔{YEAR}〕3号", "notice": f"X人常办通〔{YEAR}〕1号",
    }


def test_prefixes_are_settings(app, seeded):
    app.config["LETTER_PREFIX_LETTER"] = "甬人常函"
    app.config["LETTER_PREFIX_NOTICE"] = "甬人常通报"
    staff = login_as(app, "staff")
    assert f"甬人常函〔{YEAR}〕1号" in _text(_issue(staff, _paths(seeded)["supervision"])[1])
    assert f"甬人常通报〔{YEAR}〕1号" in _text(_issue(staff, _paths(seeded)["notice"])[1])


def test_reissuing_gives_the_same_number_and_text(app, seeded):
    staff = login_as(app, "staff")
    path = _paths(seeded)["supervision"]
    location, first = _issue(staff, path)
    with app.app_context():  # the records change after the letter went out
        item = db.session.get(Item, seeded["overdue"])
        item.question = "改过的问题内容"
        db.session.commit()
    again, second = _issue(staff, path)
    assert again == location
    assert _text(second) == _text(first)
    assert "城区学校大班额问题何时解决？" in _text(second) and "改过的问题内容" not in _text(second)
    assert _text(staff.get(location)) == _text(first)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IssuedLetter.id))) == 1
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "letter.issue")).all()
        assert len(entries) == 1 and f"X人常办函〔{YEAR}〕1号" in entries[0].summary


def test_items_assigned_later_make_a_new_assignment_letter(app, seeded):
    staff = login_as(app, "staff")
    first, _ = _issue(staff, _paths(seeded)["assign_health"])
    with app.app_context():
        make_item(db.session.get(Activity, seeded["activity"]), "assigned", unit_name="区卫生健康局")
        db.session.commit()
    second, response = _issue(staff, _paths(seeded)["assign_health"])
    assert second != first
    assert f"X人常办函〔{YEAR}〕2号" in _text(response)
    assert "现将需由你单位办理的3项" in _text(response)


def test_register_lists_number_type_title_recipient_and_date(app, seeded):
    staff = login_as(app, "staff")
    for path in _paths(seeded).values():
        _issue(staff, path)
    page = staff.get("/ledger/letters").get_data(as_text=True)
    for header in ("编号", "类型", "标题", "主送", "日期"):
        assert f"<th>{header}</th>" in page
    assert f"X人常办通〔{YEAR}〕1号" in page and "测评结果通报" in page and "督办函" in page
    assert "关于交办常委会第25次会议专题询问问题的函" in page and "区卫生健康局" in page
    today = local_today()
    assert f"{today.year}年{today.month}月{today.day}日" in page
    assert 'href="/ledger/letters"' in staff.get("/items").get_data(as_text=True)


def test_supervision_letter_only_for_overdue_items(app, seeded):
    staff = login_as(app, "staff")
    page = staff.get(f"/items/{seeded['overdue']}").get_data(as_text=True)
    assert f"/ledger/items/{seeded['overdue']}/supervision-letter" in page
    text = _text(_issue(staff, f"/ledger/items/{seeded['overdue']}/supervision-letter")[1])
    assert "区教育局：" in text and "已逾期4天" in text and "城区学校大班额问题何时解决？" in text
    assert "将提请主任会议挂牌督办" in text

    assert "supervision-letter" not in staff.get(f"/items/{seeded['lead']}").get_data(as_text=True)
    response = staff.post(f"/ledger/items/{seeded['lead']}/supervision-letter")
    assert response.status_code == 303
    assert "该事项未逾期" in staff.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IssuedLetter.id))) == 1


def test_result_notice_for_a_closed_evaluation(app, seeded):
    staff = login_as(app, "staff")
    href = _paths(seeded)["notice"]
    assert href in staff.get(f"/items/{seeded['closed']}").get_data(as_text=True)
    text = _text(_issue(staff, href)[1])
    assert "XX区人大常委会办公室文件" in text  # the 通报 uses the document format
    assert "满意度测评结果的通报" in text
    assert "第1轮整改（研究处理）情况报告进行了满意度测评" in text
    assert "该事项予以办结（销号）" in text
    with app.app_context():
        item = make_item(make_activity(title="另一活动"), "accepted")
        ev.open_evaluation(item, EvaluationMode.ONLINE, 5, user("staff"))
        db.session.commit()
        open_id = db.session.scalar(db.select(Evaluation.id).where(Evaluation.item_id == item.id))
    assert staff.post(f"/ledger/evaluations/{open_id}/result-notice").status_code == 404


@pytest.mark.parametrize("who", ["unit_edu", "unit_health", "reviewer1"])
def test_letters_are_staff_only(app, seeded, who):
    location, _ = _issue(login_as(app, "staff"), _paths(seeded)["notice"])
    client = login_as(app, who)
    for path in _paths(seeded).values():
        assert client.post(path).status_code == 403, path
    assert client.get("/ledger/letters").status_code == 403
    assert client.get(location).status_code == 403
    assert "result-notice" not in client.get(f"/items/{seeded['closed']}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IssuedLetter.id))) == 1


def test_unknown_or_empty_targets_are_404(app, seeded):
    staff = login_as(app, "staff")
    with app.app_context():
        finance = unit("区财政局").id
    assert staff.post(f"/ledger/activities/{seeded['activity']}/units/{finance}/assignment-letter").status_code == 404
    assert staff.post(f"/ledger/activities/999999/units/{seeded['edu']}/assignment-letter").status_code == 404
    assert staff.post("/ledger/items/999999/supervision-letter").status_code == 404
    assert staff.post("/ledger/evaluations/999999/result-notice").status_code == 404
    assert staff.get("/ledger/letters/999999/download").status_code == 404
    assert staff.get(_paths(seeded)["notice"]).status_code == 405  # issuing is never a GET


def test_issuing_needs_the_csrf_token(app, seeded):
    staff = login_as(app, "staff")
    assert staff.post(_paths(seeded)["notice"], csrf=False).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IssuedLetter.id))) == 0


def _simple(number: str) -> Letter:
    return Letter(issuer="XX区人大常委会办公室", title="关于测试的函", recipient="区教育局：", blocks=[Para("正文。")],
                  signature="XX区人大常委会办公室", date=date(2026, 11, 22), doc_number=number)


def _wait_for_a_lock_wait(app, timeout: float = 20.0) -> None:
    """Until a PostgreSQL backend is waiting on a lock (B on A's uncommitted index entry)."""
    deadline = time.monotonic() + timeout
    with app.app_context():
        engine = db.engine
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.scalar(sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")):
                return
        time.sleep(0.05)
    raise AssertionError("the second issue never waited for the first")


def test_two_letters_issued_at_once_get_different_numbers(app, seeded, db_backend):
    """A holds its transaction open after taking number 1; B issues meanwhile.  On PostgreSQL
    B also computes 1, waits on the unique index, loses when A commits and retries with 2;
    on SQLite B cannot even read until A commits (BEGIN IMMEDIATE) and computes 2 at once."""
    holding, release, b_built = threading.Event(), threading.Event(), threading.Event()
    results, builds, errors = {}, {"a": 0, "b": 0}, []

    def issue(name: str, subject: str, after_flush=None):
        try:
            with app.app_context():
                def build(number):
                    builds[name] += 1
                    if name == "b":
                        b_built.set()
                    return _simple(number)
                issued = issue_letter(LetterKind.SUPERVISION, subject, build, user("staff"), date(2026, 11, 22))
                db.session.flush()
                if after_flush:
                    after_flush()
                db.session.commit()
                results[name] = issued.doc_number
        except Exception as error:  # reported below: a thread's exception would otherwise vanish
            errors.append(error)
            holding.set()

    a = threading.Thread(target=issue, args=("a", "subject-a", lambda: (holding.set(), release.wait(30))))
    b = threading.Thread(target=issue, args=("b", "subject-b"))
    a.start()
    assert holding.wait(30)
    b.start()
    if db_backend == "postgresql":
        assert b_built.wait(30)  # B took "1" too, while A's row was uncommitted ...
        _wait_for_a_lock_wait(app)  # ... and now waits on A's entry in the unique index
    release.set()
    a.join(60)
    b.join(60)
    assert not errors, errors
    assert results == {"a": "X人常办函〔2026〕1号", "b": "X人常办函〔2026〕2号"}
    assert builds == {"a": 1, "b": 2 if db_backend == "postgresql" else 1}


def _round_two_notice_item(activity) -> Item:
    """An item whose first evaluation failed and whose second passed: two 通报."""
    staff = user("staff")
    item = make_item(activity, "evaluating")
    evaluation = current_evaluation(item)
    for i in range(1, 5):
        ev.cast_vote(evaluation, item, Grade.UNSATISFIED, user(f"reviewer{i}"))
    ev.close_evaluation(evaluation, item, staff)
    lead = user("unit_edu")
    ops.submit_report(item, "第二轮整改已完成，" + "新建学校两所，消除大班额。" * 20, [], lead)
    ops.accept_report(item, staff)
    ev.open_evaluation(item, EvaluationMode.ONLINE, 5, staff)
    evaluation = current_evaluation(item)
    for i in range(1, 5):
        ev.cast_vote(evaluation, item, Grade.SATISFIED, user(f"reviewer{i}"))
    ev.close_evaluation(evaluation, item, staff)
    db.session.flush()
    return item


@pytest.mark.slow
def test_every_letter_type_renders_in_libreoffice(app, seeded, tmp_path):
    """Each letter as LibreOffice prints it: page count, the number on page 1, the 版记 on the
    last page, no page with only the closing block.  PDFs and page images go to tests/artifacts/."""
    with app.app_context():
        activity = db.session.get(Activity, seeded["activity"])
        for i in range(12):  # enough rows for the table to run onto a second page
            item = ops.add_item(activity, ops.ItemData(origin=Origin.QUESTION,
                                                       question=f"第{i}个问题：" + "学位供给" * 12), user("staff"))
            ops.assign_item(item, ops.Assignment(unit("区卫生健康局").id, [unit("区教育局").id],
                                                 local_today() + timedelta(days=30)), user("staff"))
        second = _round_two_notice_item(activity)
        ev_ids = db.session.scalars(sa.select(Evaluation.id).where(Evaluation.item_id == second.id)
                                    .order_by(Evaluation.round)).all()
        db.session.commit()
    staff = login_as(app, "staff")
    paths = _paths(seeded) | {f"notice_round{n}": f"/ledger/evaluations/{e}/result-notice"
                              for n, e in enumerate(ev_ids, 1)}
    documents, numbers = {}, set()
    for name, path in paths.items():
        _, response = _issue(staff, path)
        documents[name] = response.data
    pdfs = soffice_many(documents, tmp_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages_of = {}
    for name, pdf in pdfs.items():
        pages = pages_of[name] = pdf_pages(pdf)
        first = pdf_text(pdf, 1)
        number = next(line for line in first if "〔" in line)
        numbers.add(number)
        assert closing_only_pages(pdf, f"{TODAY.year}年{TODAY.month}月{TODAY.day}日", SIGNATURE) == [], name
        last = pdf_text(pdf, pages)
        if name.startswith("notice"):
            assert "印发" in "".join(last), name
            assert "—1—" in first, name  # a 通报 numbers its first page
        else:
            assert "—1—" not in first, name  # a 信函 does not
        shutil.copyfile(pdf, ARTIFACTS / f"{name}.pdf")
    assert len(numbers) == len(pdfs)  # distinct letters, distinct numbers
    assert pages_of["assign_health"] >= 2
    (ARTIFACTS / "page-counts.txt").write_text("".join(f"{k}: {v}\n" for k, v in sorted(pages_of.items())))
