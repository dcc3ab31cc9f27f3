"""Real-browser journeys: the app under gunicorn on 127.0.0.1, driven by Debian's chromium.

The live server gets its own database, never the one the HTTP tests truncate: a temp
SQLite file, or — when ``TEST_DATABASE_URL`` points at PostgreSQL — a sibling database
``<name>_e2e`` on the same server, dropped at the end. It is migrated and seeded with the
demo accounts through the same CLI an operator uses, so the journeys also prove
``make run``'s steps. Screenshots go to ``tests/artifacts/screenshots/<database>/`` (git-ignored)
so a person can look at the screens the journeys saw.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scripts.testdb import create_database, drop_database, sibling

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS_ROOT = ROOT / "tests" / "artifacts" / "screenshots"
PASSWORD = "demo-password"
DESKTOP = {"width": 1280, "height": 900}
PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
MISSING = ("未找到 chromium，浏览器测试无法运行：请执行 apt-get install chromium fonts-wqy-zenhei / "
           "chromium not found: apt-get install chromium fonts-wqy-zenhei")


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(MISSING, pytrace=False)
    pytest.skip(MISSING)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _PgSibling:
    """A throw-away database next to TEST_DATABASE_URL's (the other tests truncate that one)."""

    def __init__(self, url: str):
        self.name = urlsplit(url).path.lstrip("/") + "_e2e" + os.environ.get("PYTEST_XDIST_WORKER", "")
        self.admin_url, self.url = sibling(url, self.name)

    def create(self) -> None:
        create_database(self.admin_url, self.name)

    def drop(self) -> None:
        drop_database(self.admin_url, self.name)


@pytest.fixture(scope="session")
def e2e_backend() -> str:
    """"sqlite" or "postgresql" (plus the xdist worker, so parallel workers never share)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return ("postgresql" if PG_URL else "sqlite") + (f"-{worker}" if worker else "")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, e2e_backend) -> Iterator[str]:
    """gunicorn (2 workers, the production config file) on a free port; yields the base URL."""
    _require_chromium()
    workdir = tmp_path_factory.mktemp("live")
    pg = _PgSibling(PG_URL) if PG_URL else None
    if pg:
        pg.create()
        database_url = pg.url
    else:
        database_url = f"sqlite:///{workdir / 'live.db'}"
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32),
           "TRACKER_ENV": "development", "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "2",
           "FLASK_APP": "wsgi", "PYTHONUNBUFFERED": "1",
           # Every journey signs in from 127.0.0.1 many times over.
           "LOGIN_RATE_LIMIT": "100000 per minute", "LOGIN_GLOBAL_RATE_LIMIT": "100000 per minute"}
    env.pop("TEST_DATABASE_URL", None)
    log_path = SHOTS_ROOT.parent / f"server-{e2e_backend}.log"  # kept for a person to read
    log_path.parent.mkdir(parents=True, exist_ok=True)
    for command in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    log = open(log_path, "w")  # noqa: SIM115 - closed at teardown
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, server, log_path)
        yield base_url
    finally:
        server.send_signal(signal.SIGINT)  # quick shutdown; TERM waits out graceful_timeout
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()
        errors = [line for line in log_path.read_text(errors="replace").splitlines()
                  if "Traceback" in line or "unhandled error" in line]
        if pg:
            pg.drop()
        # A 500 the browser never noticed is still a bug.
        assert not errors, f"server logged errors, see {log_path}:\n" + "\n".join(errors[:20])


def _wait_healthy(base_url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited ({server.returncode}):\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"live server did not answer /healthz:\n{log_path.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="session")
def browser(live_server):
    from playwright.sync_api import expect, sync_playwright
    expect.set_options(timeout=15_000)  # CI machines are shared; a slow page is not a wrong page
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shots(e2e_backend) -> Path:
    folder = SHOTS_ROOT / e2e_backend
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Person:
    """One signed-in person in their own browser context (own cookies, own CSRF token)."""

    def __init__(self, browser, base_url: str, username: str, shots: Path, viewport=None, java_script=True):
        self.username = username
        self.base_url = base_url
        self.shots = shots
        self.context = browser.new_context(base_url=base_url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                           viewport=viewport or DESKTOP, java_script_enabled=java_script)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", self._accept)
        self.page_errors: list[str] = []
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _accept(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()

    def login(self) -> Person:
        from playwright.sync_api import expect
        page = self.page
        page.goto("/login")
        page.get_by_label("用户名").fill(self.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("您好")
        return self

    def shot(self, name: str, full_page: bool = True) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full_page)

    def close(self) -> None:
        assert not self.page_errors, f"JavaScript errors for {self.username}: {self.page_errors}"
        self.context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


class People:
    """One browser context per account for the whole run: signing in costs a password
    hash on a busy machine, and people keep their session between tasks anyway."""

    def __init__(self, browser, base_url: str, shots: Path):
        self.browser, self.base_url, self.shots = browser, base_url, shots
        self.by_name: dict[str, Person] = {}

    def get(self, username: str, viewport=None) -> Person:
        if username not in self.by_name:
            self.by_name[username] = Person(self.browser, self.base_url, username, self.shots).login()
        someone = self.by_name[username]
        someone.page.set_viewport_size(viewport or DESKTOP)
        someone.dialogs.clear()
        return someone

    def close(self) -> None:
        for someone in self.by_name.values():
            someone.context.close()


@pytest.fixture(scope="session")
def people(browser, live_server, shots) -> Iterator[People]:
    crowd = People(browser, live_server, shots)
    yield crowd
    crowd.close()


@pytest.fixture
def person(request, people):
    """``person("staff")`` → that account's signed-in Person, at desktop size unless a
    viewport is given. A failing test leaves FAILED-<test>-<user>.png of every page it used."""
    used: list[Person] = []

    def sign_in(username: str, viewport=None) -> Person:
        someone = people.get(username, viewport)
        used.append(someone)
        return someone

    yield sign_in
    failed = getattr(request.node, "e2e_failed", True)
    for someone in dict.fromkeys(used):
        if failed:
            someone.shot(f"FAILED-{request.node.name}-{someone.username}")
        errors, someone.page_errors = someone.page_errors, []
        assert not errors, f"JavaScript errors for {someone.username}: {errors}"
