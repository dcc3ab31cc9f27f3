"""The inbox: notifications derived from workflow events, the header badge, and mail
delivered to a real SMTP server on loopback."""
from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tracker import create_app
from tracker.extensions import db
from tracker.jobs.remind import run_remind
from tracker.models import Item, Notification, OutboxMail, User, local_today
from tracker.services import items as ops

from .conftest import Client, login_as, make_config
from .helpers import make_item, unit, user


def _inbox(username: str) -> list[tuple[str, str]]:
    uid = db.session.scalar(sa.select(User.id).where(User.username == username))
    return [tuple(r) for r in db.session.execute(sa.select(Notification.kind, Notification.text)
                                                 .where(Notification.user_id == uid).order_by(Notification.id))]


def test_workflow_events_reach_the_right_inboxes(app_ctx, demo):
    item = make_item(stage="reported", co_units=["区卫生健康局"])
    ops.return_report(item, "缺少证明材料", user("staff"))
    db.session.commit()
    assert [k for k, _ in _inbox("unit_edu")] == ["assign", "return"]
    assert [k for k, _ in _inbox("unit_health")] == ["assign"]  # co-unit: told of the 交办, not the return
    assert [k for k, _ in _inbox("staff")] == ["report"]  # the unit's report waits for review
    assert _inbox("reviewer1") == []
    assert "被退回" in _inbox("unit_edu")[1][1]


def test_reviewers_are_told_of_an_online_evaluation_and_units_of_the_result(app_ctx, demo):
    make_item(stage="closed")
    db.session.commit()
    assert [k for k, _ in _inbox("reviewer1")] == ["evaluation"]
    kinds = [k for k, _ in _inbox("unit_edu")]
    assert kinds[-1] == "result" and "accept" in kinds
    assert "满意" in _inbox("unit_edu")[-1][1]


def test_an_action_that_rolls_back_notifies_nobody(app_ctx, demo):
    item = make_item(stage="answered")
    db.session.commit()
    ops.assign_item(item, ops.Assignment(unit("区教育局").id, [], local_today() + timedelta(days=30)), user("staff"))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_inbox_badge_read_and_read_all(app, demo):
    with app.app_context():
        make_item(stage="assigned")
        make_item(stage="assigned")
        db.session.commit()
        first = db.session.scalar(sa.select(Notification.id).order_by(Notification.id))
        item_id = db.session.scalar(sa.select(Notification.item_id).where(Notification.id == first))
    unit_edu = login_as(app, "unit_edu")
    # The link's accessible name is its visible text plus the count: "通知2 条未读".
    assert '通知<span class="badge">2<span class="visually-hidden"> 条未读</span>' in unit_edu.get("/my").get_data(
        as_text=True)
    body = unit_edu.get("/notifications").get_data(as_text=True)
    assert body.count("未读</strong>") == 2 and "新交办事项" in body
    response = unit_edu.post(f"/notifications/{first}/open")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/items/{item_id}")
    assert '通知<span class="badge">1<span class="visually-hidden"> 条未读</span>' in unit_edu.get("/my").get_data(
        as_text=True)
    # Someone else's notification is not there for this user.
    assert login_as(app, "unit_health").post(f"/notifications/{first}/open").status_code == 404
    assert unit_edu.post("/notifications/read-all").status_code == 303
    assert 'class="inbox-link">通知</a>' in unit_edu.get("/my").get_data(as_text=True)


def test_header_badge_costs_one_query_whatever_the_inbox_holds(app, demo):
    client = login_as(app, "unit_edu")

    def queries_on_home() -> list[str]:
        statements: list[str] = []
        with app.app_context():
            engine = db.engine

        def listener(_conn, _cursor, statement, *_args):
            statements.append(statement)
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/my").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return statements

    empty = queries_on_home()
    with app.app_context():
        for _ in range(3):
            make_item(stage="assigned")
        db.session.commit()
    full = queries_on_home()
    assert len([s for s in full if "notification" in s]) == 1
    assert len([s for s in empty if "notification" in s]) == 1


# -- mail -------------------------------------------------------------------------

class _Collect:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def _fresh(app):
    """Apps built here bypass the ``app`` fixture, so empty PostgreSQL ourselves."""
    from .conftest import PG_URL, _empty_all
    if PG_URL:
        _empty_all(app)
    return app


@pytest.fixture
def mail_app(database_uri, smtp_server):
    controller, _ = smtp_server
    app = _fresh(create_app(make_config(database_uri, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                                        MAIL_SENDER="renda@example.org", BASE_URL="https://tracker.example.org")))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _wait_for(handler, n: int) -> None:
    deadline = time.monotonic() + 5
    while len(handler.messages) < n and time.monotonic() < deadline:
        time.sleep(0.05)


def test_mail_is_delivered_to_a_real_smtp_server_once(mail_app, smtp_server):
    _, handler = smtp_server
    from tracker.demo import load_demo
    with mail_app.app_context():
        users = load_demo()
        users["unit_edu"].email = "edu@example.org"
        db.session.commit()
        make_item(stage="assigned")
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 1
        assert handler.messages == []  # nothing leaves before the job runs
    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["send-mail"])
    assert "邮件发送成功 1 封" in result.output, result.output
    _wait_for(handler, 1)
    assert len(handler.messages) == 1
    envelope = handler.messages[0]
    assert envelope.rcpt_tos == ["edu@example.org"] and envelope.mail_from == "renda@example.org"
    text = envelope.content.decode()
    assert "Subject: =?utf-8?" in text  # a Chinese subject, encoded
    import email
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"].startswith("【问答改评】新交办")
    assert "https://tracker.example.org/items/" in message.get_content()
    # Running again (send-mail or remind) sends nothing twice.
    runner.invoke(args=["send-mail"])
    with mail_app.app_context():
        run_remind(local_today())
        # Delivery is synchronous (the server has the message when SMTP answers 250), so
        # the outbox state, not a pause, proves that nothing is left to send.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)
                                 .where(OutboxMail.sent_at.is_(None))) == 0
    assert len(handler.messages) == 1


def test_mail_server_down_keeps_the_message_for_a_retry(database_uri, smtp_server):
    controller, handler = smtp_server
    down = _fresh(create_app(make_config(database_uri, MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())))
    from tracker.demo import load_demo
    from tracker.jobs.mail import deliver_outbox
    with down.app_context():
        load_demo()["unit_edu"].email = "edu@example.org"
        db.session.commit()
        make_item(stage="assigned")
        db.session.commit()
        assert deliver_outbox().failed == 1
        row = db.session.scalar(sa.select(OutboxMail))
        assert row.sent_at is None and row.attempts == 1 and row.last_error
        db.session.remove()
        db.engine.dispose()
    up = create_app(make_config(database_uri, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port))
    with up.app_context():
        assert deliver_outbox().sent == 1
        assert db.session.scalar(sa.select(OutboxMail.sent_at)) is not None
        db.session.remove()
        db.engine.dispose()
    _wait_for(handler, 1)
    assert len(handler.messages) == 1


def test_no_mail_is_queued_when_smtp_is_off(app_ctx, demo):
    db.session.get(User, demo["unit_edu"]).email = "edu@example.org"
    make_item(stage="assigned")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1
    assert db.session.scalar(sa.select(Item.id)) is not None


def test_anonymous_inbox_goes_to_login(app):
    response = Client(app).get("/notifications")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
