"""第N次提出: suggestions find a problem raised again across three years, activities and
units; staff link them; the item page, the ranking and the public page show the chain."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import ActivityKind, AuditAction, AuditEntry, Item, Origin
from tracker.services import activities as activity_ops
from tracker.services import items as ops

from .conftest import Client, login_as
from .helpers import make_item, unit, user

SAME_PROBLEM = {
    2023: "城区学校大班额问题突出，何时能够解决？",
    2024: "城区部分学校仍存在大班额现象，下一步如何消除？",
    2025: "关于城区学校大班额问题，群众反映强烈，请说明整改时间表。",
}
OTHER_PROBLEMS = ["基层医疗机构药品短缺问题如何解决？", "老旧小区加装电梯进展缓慢的原因是什么？",
                  "河道综合治理资金使用效益不高的问题如何整改？", "城区停车难问题何时能够缓解？"]


def _activity(year: int, title: str):
    return activity_ops.create_activity(activity_ops.ActivityData(
        kind=ActivityKind.INQUIRY, title=title, meeting_session=year - 2000, meeting_date=date(year, 6, 20),
        report_title=None, target_organ="区人民政府", lead_committee_id=unit("社会建设工作委员会").id,
        evaluation_rule_key="zhenhai"), user("staff"))


@pytest.fixture
def years(app, demo):
    """One item per year on the same problem (different activities and units), plus noise."""
    with app.app_context():
        ids = {}
        first = make_item(_activity(2023, "关于义务教育优质均衡发展情况的专题询问"), "closed")
        first.question = SAME_PROBLEM[2023]
        ids[2023] = first.id
        second = make_item(_activity(2024, "关于教育资源布局的审议意见"), "rectifying", unit_name="区卫生健康局")
        second.question = SAME_PROBLEM[2024]
        ids[2024] = second.id
        latest = _activity(2025, "关于城区教育设施建设的专题询问")
        ids[2025] = ops.add_item(latest, ops.ItemData(origin=Origin.QUESTION, question=SAME_PROBLEM[2025]),
                                 user("staff")).id
        noise = _activity(2024, "关于民生实事项目的专题询问")
        ids["noise"] = [ops.add_item(noise, ops.ItemData(origin=Origin.QUESTION, question=q), user("staff")).id
                        for q in OTHER_PROBLEMS]
        db.session.commit()
        ids["activities"] = {key: db.session.get(Item, ids[key]).activity_id for key in (2023, 2024, 2025)}
    return ids


def test_suggestions_find_the_problem_raised_in_earlier_years(app, years):
    from tracker.search.recurrence import similar_items
    with app.app_context():
        found = similar_items(SAME_PROBLEM[2025], exclude={years[2025]})
        ids = [s.item.id for s in found]
    assert years[2023] in ids and years[2024] in ids
    assert not set(ids) & set(years["noise"])
    staff = login_as(app, "staff")
    body = staff.get("/search/similar", query_string={"question": SAME_PROBLEM[2025]}).get_data(as_text=True)
    assert _link_to(years[2023]) in body and _link_to(years[2024]) in body
    assert "已办结（测评：满意）" in body  # the outcome of the 2023 item
    assert "2023年" in body and "区卫生健康局" in body  # across years and units
    assert "此前可能提出过" not in staff.get("/search/similar?question=%E5%85%BB").get_data(as_text=True)


@pytest.mark.parametrize("newest", [1, 20_000])
def test_suggestions_reach_back_past_the_newest_questions(app, years, monkeypatch, newest):
    """PostgreSQL reads the newest questions first and all of them only when too few share
    the words: with a window of one question the 2023 and 2024 items are still found, and
    the new item itself stays excluded."""
    from tracker.search import recurrence
    monkeypatch.setattr(recurrence, "NEWEST", newest)
    with app.app_context():
        ids = [s.item.id for s in recurrence.similar_items(SAME_PROBLEM[2025], exclude={years[2025]})]
    assert years[2023] in ids and years[2024] in ids and years[2025] not in ids
    assert not set(ids) & set(years["noise"])


def test_entry_form_asks_for_suggestions_as_staff_type(app, years):
    page = login_as(app, "staff").get(f"/activities/{years['activities'][2025]}").get_data(as_text=True)
    assert 'hx-get="/search/similar"' in page and 'hx-include="#question"' in page


def _link_to(item_id: int) -> str:
    """The end of a link to an item's page (staff's or the public's): how a page shows it."""
    return f'/items/{item_id}"'


def _link(client: Client, item_id: int, earlier_id: int):
    return client.post(f"/items/{item_id}/recurrence", {"earlier_item_id": str(earlier_id)})


def test_linking_builds_the_chain_shown_on_item_page_and_ranking(app, years):
    staff = login_as(app, "staff")
    panel = staff.get(f"/items/{years[2025]}/recurrence").get_data(as_text=True)
    assert "关联为此前提出" in panel and _link_to(years[2024]) in panel  # suggestions with a link button
    assert _link(staff, years[2024], years[2023]).status_code == 303
    assert _link(staff, years[2025], years[2024]).status_code == 303
    panel = staff.get(f"/items/{years[2025]}/recurrence").get_data(as_text=True)
    assert "第 3 次提出" in panel
    assert panel.index(_link_to(years[2023])) < panel.index(_link_to(years[2024]))
    middle = staff.get(f"/items/{years[2024]}/recurrence").get_data(as_text=True)
    assert "第 2 次提出" in middle and "此后又提出 1 次" in middle
    ranking = staff.get("/search/recurring").get_data(as_text=True)
    assert re.search(r"<strong>3</strong> 次", ranking) and SAME_PROBLEM[2023][:10] in ranking
    assert 'hx-get="/search/recurring"' in staff.get("/dashboard").get_data(as_text=True)
    top = staff.get("/search/recurring", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in top and re.search(r"<strong>3</strong> 次", top)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == AuditAction.ITEM_RECURRENCE_LINK)) == 2
    # The item page loads the panel; units see the chain of an item they may see, not the suggestions.
    assert f"/items/{years[2025]}/recurrence" in staff.get(f"/items/{years[2025]}").get_data(as_text=True)
    unit_panel = login_as(app, "unit_health").get(f"/items/{years[2024]}/recurrence")
    assert unit_panel.status_code == 200 and "第 2 次提出" in unit_panel.get_data(as_text=True)
    assert "关联为此前提出" not in unit_panel.get_data(as_text=True)
    assert login_as(app, "unit_health").get(f"/items/{years[2023]}/recurrence").status_code == 404
    # Undo.
    assert staff.post(f"/items/{years[2025]}/recurrence/unlink").status_code == 303
    assert "第 3 次提出" not in staff.get(f"/items/{years[2025]}/recurrence").get_data(as_text=True)


def test_links_that_make_no_sense_are_refused(app, years):
    staff = login_as(app, "staff")
    _link(staff, years[2024], years[2023])
    refusals = ((years[2023], years[2024], "只能关联更早"), (years[2024], years[2024], "请选择另一个事项"),
                (years[2024], 999999, "请选择一个存在的事项"))
    for item, earlier, message in refusals:
        response = _link(staff, item, earlier)
        assert response.status_code == 303
        assert message in staff.get(response.headers["Location"]).get_data(as_text=True)
    assert _link(login_as(app, "unit_edu"), years[2023], years[2024]).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == AuditAction.ITEM_RECURRENCE_LINK)) == 1


def test_cycles_are_refused(app, years):
    from tracker.services import OperationError
    from tracker.services.search import link_recurrence
    with app.app_context():
        items = {y: db.session.get(Item, years[y]) for y in (2023, 2024)}
        # Two items of the same meeting date could otherwise point at each other.
        items[2024].activity_id, items[2024].seq = items[2023].activity_id, 99
        link_recurrence(items[2024], items[2023], user("staff"))
        with pytest.raises(OperationError, match="不能互相关联"):
            link_recurrence(items[2023], items[2024], user("staff"))


def test_public_page_says_since_when_among_published_items(app, years):
    from tracker.models import Activity
    staff = login_as(app, "staff")
    _link(staff, years[2024], years[2023])
    _link(staff, years[2025], years[2024])
    with app.app_context():
        for year in (2023, 2024, 2025):
            item = db.session.get(Item, years[year])
            activity_ops.set_activity_published(db.session.get(Activity, item.activity_id), True, user("staff"))
            ops.set_item_published(item, True, user("staff"))
        db.session.commit()
    anonymous = Client(app)
    assert f"/public/items/{years[2025]}/history" in anonymous.get(f"/public/items/{years[2025]}").get_data(
        as_text=True)
    body = anonymous.get(f"/public/items/{years[2025]}/history").get_data(as_text=True)
    assert "该问题自2023年起已第 3 次提出" in body
    with app.app_context():
        ops.set_item_published(db.session.get(Item, years[2023]), False, user("staff"))
        db.session.commit()
    body = anonymous.get(f"/public/items/{years[2025]}/history").get_data(as_text=True)
    assert "自2024年起已第 2 次提出" in body and _link_to(years[2023]) not in body
    assert anonymous.get(f"/public/items/{years[2023]}/history").status_code == 404


def _entry_form(client: Client, activity_id: int, question: str, **extra) -> object:
    client.get(f"/activities/{activity_id}")
    data = {"origin": Origin.QUESTION.value, "question": question, "asked_unit_id": "0", **extra}
    return client.post(f"/activities/{activity_id}/items", data, htmx=True)


def test_entry_form_links_a_checked_earlier_item(app, years):
    """The similar list under the entry form offers a checkbox per earlier item; saving with
    one checked links the new item to it, in the same request, audited."""
    staff = login_as(app, "staff")
    activity = years["activities"][2025]
    fragment = staff.get("/search/similar", query_string={"question": SAME_PROBLEM[2025]}).get_data(as_text=True)
    assert f'name="earlier_item_id" value="{years[2024]}"' in fragment and 'form="item-form"' in fragment
    response = _entry_form(staff, activity, "城区学校大班额问题今年能否彻底解决？", earlier_item_id=str(years[2024]))
    assert response.status_code == 200 and "X-Form-Invalid" not in response.headers
    with app.app_context():
        new = db.session.scalar(sa.select(Item).where(Item.question == "城区学校大班额问题今年能否彻底解决？"))
        from tracker.models import RecurrenceLink
        link = db.session.get(RecurrenceLink, new.id)
        assert link is not None and link.earlier_item_id == years[2024]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.item_id == new.id, AuditEntry.action == AuditAction.ITEM_RECURRENCE_LINK)) == 1
    panel = staff.get(f"/items/{new.id}/recurrence").get_data(as_text=True)  # the item page's recurrence slot
    assert "第 2 次提出" in panel and _link_to(years[2024]) in panel


@pytest.mark.parametrize("earlier, message", [
    (["1", "2"], "只能选择一项"), (["abc"], "请从列表中选择"), (["²"], "请从列表中选择"),
    (["999999"], "既往事项"), ("later", "既往事项"),
])
def test_entry_form_refuses_a_bad_earlier_item_and_saves_nothing(app, years, earlier, message):
    staff = login_as(app, "staff")
    activity = years["activities"][2024]
    if earlier == "later":  # an item of a later meeting cannot be "raised before"
        earlier = [str(years[2025])]
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Item))
    response = _entry_form(staff, activity, "一个新的问题：城区学校大班额", earlier_item_id=earlier)
    assert response.status_code == 200 and response.headers.get("X-Form-Invalid") == "1"
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == before
