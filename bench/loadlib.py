"""What the benchmark, the load runs and the fault tests share: a gunicorn server started
as in production, and a small HTTP client that logs in and sends CSRF tokens like a browser.

The client speaks plain ``http.client`` on loopback (one connection per request, as
gunicorn's sync workers close the connection after each response), keeps the session
cookie Flask sends back on every response, and never raises on an HTTP status: callers
count statuses. Connection errors come back as status 0.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')
PASSWORD = "demo-password"  # the demo accounts the seeder loads


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float


@dataclass
class Client:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str | None = None
    timeout: float = 30.0

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None) -> Response:
        headers = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, quote(path, safe="/?=&%#:"), body=body, headers=headers)
            raw = conn.getresponse()
            data = raw.read()
            for name, value in raw.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()},
                            data.decode("utf-8", "replace"), time.perf_counter() - started)
        except (OSError, http.client.HTTPException):
            return Response(0, {}, "", time.perf_counter() - started)
        finally:
            conn.close()

    def get(self, path: str) -> Response:
        response = self.request("GET", path)
        match = CSRF_RE.search(response.body)
        if match:
            self.csrf = match.group(1)
        return response

    def post(self, path: str, form: dict) -> Response:
        return self.request("POST", path, {**form, "csrf_token": self.csrf or ""})

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.cookies.clear()
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password})
        if response.status != 303:
            raise RuntimeError(f"login {username}: HTTP {response.status}")
        self.get("/")  # login starts a fresh session, so the token changes


class Server:
    """``gunicorn -c gunicorn.conf.py <app>`` in production mode on a free loopback port."""

    def __init__(self, database_url: str, *, app: str = "wsgi:app", workers: int = 2, log_path: str | None = None):
        self.port = free_port()
        self.database_url = database_url
        self.app = app
        self.workers = workers
        self.log_path = log_path or f"/tmp/tracker-gunicorn-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_DATABASE", "FLASK_"))}
        env.update(DATABASE_URL=self.database_url, PORT=str(self.port), HOST="127.0.0.1",
                   WEB_CONCURRENCY=str(self.workers), TRACKER_ENV="production", ACCESS_LOG="",
                   SECRET_KEY="bench-" + os.urandom(16).hex(), PYTHONPATH=str(ROOT),
                   # A plain-HTTP server on loopback with the demo accounts, signing in from
                   # one address many times: say so, as an operator would have to.
                   SESSION_COOKIE_SECURE="0", ALLOW_DEMO_PASSWORDS="1",
                   LOGIN_RATE_LIMIT="100000 per minute", LOGIN_GLOBAL_RATE_LIMIT="100000 per minute")
        return env

    def start(self, timeout: float = 30.0) -> Server:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), self.app],
                                     cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log_path}")
            if Client(self.port, timeout=2).request("GET", "/login").status == 200 \
                    and len(self.worker_pids()) >= self.workers:
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout}s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc (no psutil needed)."""
        if self.proc is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(int(entry.name))
        return sorted(pids)

    def kill_worker(self) -> int:
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p99 is a measured request)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]
