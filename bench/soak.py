"""``make soak``: the long versions of the load and fault runs.

1. Mixed load, 32 clients for ``--seconds`` (default 120) on SQLite and, when
   ``SOAK_PG_URL`` (or ``TEST_DATABASE_URL``) names a PostgreSQL server, on PostgreSQL:
   no 5xx, every acknowledged write stored, vote counters equal to participants.
2. ``kill -9`` of a gunicorn worker in the middle of writes, on each database: nothing
   acknowledged lost, ``PRAGMA integrity_check`` ok, a new worker serves.
3. PostgreSQL restarted during load with ``SOAK_PG_RESTART`` (default
   ``pg_ctlcluster --skip-systemctl-redirect 15 main restart``): the app must answer
   again by itself within ``--recover`` seconds, with no acknowledged write lost.
   This restarts the whole cluster, so every other user of it sees dropped connections:
   point ``SOAK_PG_URL``/``SOAK_PG_RESTART`` at a private cluster on a shared machine.

Results: ``bench/results/soak.json`` and ``soak.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import threading
import time

from .loadlib import Client, Server
from .mixed import Result, load_plan, run_mixed, summary, verify
from .run import RESULTS
from .scratch import scratch_database

DEFAULT_RESTART = "pg_ctlcluster --skip-systemctl-redirect 15 main restart"
WRITERS = ["unit_edu", "unit_health"] * 8 + ["staff"] * 8


def mixed(url: str, seconds: float) -> dict:
    with Server(url) as server:
        result = run_mixed(server, load_plan(url), clients=32, seconds=seconds)
    return {"load": summary(result), "check": verify(url, result)}


def kill_worker(url: str, seconds: float) -> dict:
    result = Result()
    with Server(url) as server:
        load = threading.Thread(target=run_mixed, args=(server, load_plan(url)),
                                kwargs={"seconds": seconds, "usernames": WRITERS, "result": result})
        load.start()
        _wait_for_acks(result, 20)
        killed_at, killed = time.monotonic(), server.kill_worker()
        load.join(timeout=seconds + 120)
        answers = Client(server.port).request("GET", "/login").status
        workers = server.worker_pids()
    acks_after = sum(1 for t in result.ack_times if t > killed_at + 0.5)
    return {"killed_pid": killed, "workers_after": len(workers), "login_page_after": answers,
            "acks_after_kill": acks_after, "load": summary(result), "check": verify(url, result)}


def restart_postgres(url: str, seconds: float, command: str, recover_limit: float) -> dict:
    result = Result()
    with Server(url) as server:
        load = threading.Thread(target=run_mixed, args=(server, load_plan(url)),
                                kwargs={"seconds": seconds, "result": result})
        probe, recovered = Client(server.port), None
        probe.login("staff")
        load.start()
        _wait_for_acks(result, 20)
        started = time.monotonic()
        done = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=120)
        restarted = time.monotonic()
        while time.monotonic() - restarted < recover_limit + 30:
            if probe.request("GET", "/items").status == 200:
                recovered = time.monotonic() - restarted
                break
            time.sleep(0.1)
        time.sleep(1)  # requests that began during the outage may still end in an error
        errors_before = result.five_xx
        load.join(timeout=seconds + 120)
    late_5xx = result.five_xx - errors_before
    return {"command": command, "exit": done.returncode, "restart_seconds": round(restarted - started, 1),
            "recovered_after_s": None if recovered is None else round(recovered, 2), "recover_limit_s": recover_limit,
            "five_xx_during_outage": errors_before, "five_xx_after_recovery": late_5xx,
            "load": summary(result), "check": verify(url, result)}


def _wait_for_acks(result: Result, count: int) -> None:
    for _ in range(600):  # bounded: at most 30 s
        if len(result.ack_times) >= count:
            return
        time.sleep(0.05)


def ok(run: dict) -> bool:
    check = run["check"]
    fine = check["lost_progress"] == 0 and check["lost_votes"] == 0 and check["integrity_check"] in ("ok", "n/a")
    if "recovered_after_s" in run:
        return fine and run["recovered_after_s"] is not None and run["recovered_after_s"] <= run["recover_limit_s"] \
            and run["five_xx_after_recovery"] == 0
    return fine and run["load"]["five_xx"] == 0 and check["counter_mismatches"] == 0


def main() -> int:
    parser = argparse.ArgumentParser(description="问答改评 soak: long load and fault runs")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--recover", type=float, default=10.0, help="seconds allowed after a PostgreSQL restart")
    args = parser.parse_args()
    pg = (os.environ.get("SOAK_PG_URL") or os.environ.get("TEST_DATABASE_URL") or "").strip() or None
    report: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds": args.seconds, "items": args.items,
                    "loadavg_at_start": os.getloadavg(), "runs": {}}
    targets = [("sqlite", None)] + ([("postgresql", pg)] if pg else [])
    for name, pg_url in targets:
        with scratch_database(args.items, pg_url=pg_url, open_evaluations=200, tag="soak") as url:
            print(f"{name}: mixed load, 32 clients, {args.seconds:.0f}s", flush=True)
            report["runs"][f"{name}_mixed"] = mixed(url, args.seconds)
            print(f"{name}: kill -9 a worker mid-writes", flush=True)
            report["runs"][f"{name}_kill9"] = kill_worker(url, min(args.seconds, 30))
            if pg_url:
                command = os.environ.get("SOAK_PG_RESTART", DEFAULT_RESTART)
                print(f"{name}: restart PostgreSQL during load ({command})", flush=True)
                report["runs"][f"{name}_restart"] = restart_postgres(url, min(args.seconds, 30), command,
                                                                     args.recover)
    if not pg:
        report["note"] = "PostgreSQL runs skipped: set SOAK_PG_URL (or TEST_DATABASE_URL) to include them."
    for run in report["runs"].values():
        run["ok"] = ok(run)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    (RESULTS / "soak.md").write_text(markdown(report))
    print(markdown(report))
    return 0 if all(run["ok"] for run in report["runs"].values()) else 1


def markdown(report: dict) -> str:
    lines = [f"# Soak {report['started']}", "", f"{report['items']:,} items, mixed load {report['seconds']:.0f}s "
             f"with 32 clients; machine load average at start {report['loadavg_at_start'][0]:.1f}.", "",
             "| run | ok | requests | req/s | p95 ms | 5xx | acked writes | lost | integrity | notes |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for key, run in report["runs"].items():
        load, check = run["load"], run["check"]
        notes = ""
        if "killed_pid" in run:
            notes = f"killed {run['killed_pid']}; {run['acks_after_kill']} acks after; workers {run['workers_after']}"
        if "recovered_after_s" in run:
            notes = (f"restart {run['restart_seconds']}s, answered {run['recovered_after_s']}s after; "
                     f"5xx during outage {run['five_xx_during_outage']}, after {run['five_xx_after_recovery']}")
        lines.append(f"| {key} | {'yes' if run['ok'] else 'NO'} | {load['requests']} | {load['req_per_s']} "
                     f"| {load['p95_ms']} | {load['five_xx']} | {check['acked_progress'] + check['acked_votes']} "
                     f"| {check['lost_progress'] + check['lost_votes']} | {check['integrity_check']} | {notes} |")
    if report.get("note"):
        lines += ["", report["note"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
