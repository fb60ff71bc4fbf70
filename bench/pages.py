"""Pages under gunicorn: requests a second and p95 for the day grid, the quarter page and my scores.

    DEBUG=true .venv/bin/python bench/pages.py
    DEBUG=true .venv/bin/python bench/pages.py --requests 400 --connections 4

It builds the demo company (`migrate`, `load_demo`, `collectstatic`) in the
PostgreSQL database `--postgres-url` names, which is DROPPED and created again
(give it one of its own), adds a department of 2,000 employees with a head
(`bench/grid_render.py`'s), starts gunicorn with 2 workers and production
settings (DEBUG off) on a free port, logs in as a head, the office and an
employee (the one with the most sheets this quarter, so that my scores shows a
full calendar and chart), and measures each page with `--connections` concurrent clients. The
floor is the login page, which touches no table. It then stops gunicorn.
Besides requests a second it prints the server's CPU a request (gunicorn's
workers and PostgreSQL, from /proc): a figure that a busy neighbour on the
machine's cores moves less than the rate.
Rows are `bench/run_all.py` rows (`name | figure | floor | ratio`); the goals
(issue #14) are ≥ 100 req/s and p95 < 100 ms per page, and the grid of 2,000
employees under 200 ms and under 2 MB.

The client runs on the same machine as the server and takes its share of the
cores, as a proxy would.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import _company as company

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "smile2026"  # the demo's
BIG = 2000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/smile_bench"
        )
        + "_pages",
        help="a database of the bench's own: it is dropped and created again",
    )
    parser.add_argument("--requests", type=int, default=300, help="requests per page")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args()


def server_env(url: str, static_root: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": static_root,
        "PUBLIC_BASE_URL": "http://127.0.0.1",
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- A small HTTP client: cookies, one connection per request as a browser's first --------


class Session:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            content = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, content
        finally:
            conn.close()

    def login(self, username: str) -> None:
        _, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        status, _ = self.request(
            "POST",
            "/login/",
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": username,
                "password": PASSWORD,
            },
        )
        assert status == 302, f"login as {username}: HTTP {status}"


def cpu_seconds(names: tuple[str, ...]) -> float:
    """CPU time so far of every process whose name starts with one of `names` (Linux /proc).

    Processes that ended in between are not counted: gunicorn's workers and
    PostgreSQL's backends of the bench's kept connections live through a page's run.
    """
    ticks = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as handle:
                raw = handle.read()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        if name.startswith(names):
            fields = raw[raw.rindex(")") + 2 :].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


SERVER = ("gunicorn", "postgres")


def load(session: Session, path: str, *, requests: int, connections: int) -> dict:
    """`requests` GETs of `path` over `connections` threads: req/s, p95 and median ms, size,
    and the server's CPU a request (gunicorn's workers and PostgreSQL together)."""
    for _ in range(5):  # warm both workers' template caches and connections
        status, body = session.request("GET", path)
        assert status == 200, f"{path}: HTTP {status}"
    timings: list[float] = []
    lock = threading.Lock()
    left = iter(range(requests))

    def work() -> None:
        while True:
            with lock:
                if next(left, None) is None:
                    return
            started = time.perf_counter()
            status, _ = session.request("GET", path)
            elapsed = time.perf_counter() - started
            assert status == 200, f"{path}: HTTP {status}"
            with lock:
                timings.append(elapsed)

    threads = [threading.Thread(target=work) for _ in range(connections)]
    cpu_before = cpu_seconds(SERVER)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu = cpu_seconds(SERVER) - cpu_before
    timings.sort()
    return {
        "cpu_ms": cpu / len(timings) * 1000,
        "rps": len(timings) / wall,
        "p95_ms": timings[int(len(timings) * 0.95) - 1] * 1000,
        "median_ms": statistics.median(timings) * 1000,
        "bytes": len(body),
    }


def main() -> None:
    args = parse_args()
    if args.child:
        company.setup_django()
        print(json.dumps({"setup": setup}[args.child](args.size)))
        return
    url = args.postgres_url
    company.recreate("postgres", url)
    with tempfile.TemporaryDirectory(prefix="smile_pages_") as static_root:
        env = server_env(url, static_root)
        manage(env, "migrate", "--no-input")
        manage(env, "load_demo")
        manage(env, "collectstatic", "--no-input")
        world = company.child(__file__, "setup", url, BIG)
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        try:
            wait_for(port)
            measure(args, port, world)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def wait_for(port: int) -> None:
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def measure(args: argparse.Namespace, port: int, world: dict) -> None:
    n, c = args.requests, args.connections
    floor = load(Session(port), "/login/", requests=n, connections=c)
    print(
        f"# floor /login/: {floor['rps']:.0f} req/s, p95 {floor['p95_ms']:.0f} ms",
        file=sys.stderr,
        flush=True,
    )
    pages = [
        ("day grid (head, demo department)", world["head"], "/appraisal/sheets/"),
        ("quarter page (office)", "office", f"/appraisal/quarters/{world['quarter']}/"),
        ("my scores (staff)", world["staff"], "/employees/me/"),
    ]
    for name, username, path in pages:
        session = Session(port)
        session.login(username)
        got = load(session, path, requests=n, connections=c)
        print(
            f"{name}, req/s at {c} connections | {got['rps']:.0f} req/s "
            f"| /login/ {floor['rps']:.0f} req/s | {floor['rps'] / got['rps']:.1f}× "
            f"(goal ≥ 100 req/s)"
        )
        print(
            f"{name}, p95 | {got['p95_ms']:.0f} ms | /login/ {floor['p95_ms']:.0f} ms "
            f"| {got['p95_ms'] / floor['p95_ms']:.1f}× (goal < 100 ms)"
        )
        print(
            f"{name}, server CPU a request | {got['cpu_ms']:.1f} ms "
            f"| /login/ {floor['cpu_ms']:.1f} ms | {got['cpu_ms'] / floor['cpu_ms']:.1f}×"
        )
        sys.stdout.flush()
    session = Session(port)
    session.login(world["big_head"])
    big = load(session, "/appraisal/sheets/", requests=20, connections=1)
    print(
        f"day grid, {BIG:,} employees, median of 20 | {big['median_ms']:.0f} ms, "
        f"{big['bytes'] / 2**20:.2f} MB | 200 ms, 2 MB (goal) "
        f"| {big['median_ms'] / 200:.2f}×, {big['bytes'] / 2**21:.2f}×"
    )


# --- The child: Django set up on the bench database ------------------------------------


def setup(size: int) -> dict:
    """The big department and its head; the logins and quarter the pages are measured with."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import grid_render
    from django.db.models import Count, Q
    from django.utils import timezone

    from appraisal.models import Quarter, QuarterStatus
    from appraisal.rules import QuarterId
    from employees.models import Employee, User

    head, _ = grid_render.populate(size, 99)
    head.set_password(PASSWORD)
    head.save(update_fields=["password"])
    demo_head = User.objects.get(username="head10")
    quarter = (
        Quarter.objects.exclude(status=QuarterStatus.OPEN).order_by("-year", "-number").first()
    )
    # The staff login with the most sheets this quarter: a page with its calendar and chart full.
    current = QuarterId.of(timezone.localdate())
    staff = (
        Employee.objects.filter(user__isnull=False)
        .annotate(
            days=Count("sheets", filter=Q(sheets__day__range=(current.first_day, current.last_day)))
        )
        .order_by("-days", "number")
        .values_list("user__username", flat=True)
        .first()
    )
    return {
        "big_head": head.username,
        "head": demo_head.username,
        "quarter": quarter.code,
        "staff": staff,
    }


if __name__ == "__main__":
    main()
