"""Measure the API on a bench database: W2 deal list, W3 stage headers, W4 search, W7 concurrency.

    .venv/bin/python -m bench.bench_api                                  # 1M database (gen_deals)
    .venv/bin/python -m bench.bench_api --url postgres://postgres@127.0.0.1:5432/dealbook_bench_neutral \
        --fragments /tmp/neutral/fragments.csv                            # the neutral 100k set

It starts `dealbook serve --no-demo` (granian) on 127.0.0.1 against the database, or
measures a running server given with --server (127.0.0.1 only). Tokens come from
POST /api/v1/auth/token for a director (sees all) and a sales manager (R2-scoped). Each measurement
warms up, then times N sequential keep-alive requests from one client and reports p50/p95; beside
the list it times the list's own SQL (built by crm.queries.deals, run with psycopg). W7 runs the
list from K client processes for D seconds and reports req/s, latency and the server's total RSS.
All loops are bounded by count and time.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import math
import multiprocessing as mp
import os
import random
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.common import BENCH_PASSWORD, DEFAULT_URL, db_name, django_setup

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


# --- statistics and HTTP ----------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of the values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects once if the server closed it."""

    def __init__(self, host: str, port: int, token: str | None = None) -> None:
        self.host, self.port = host, port
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.conn = http.client.HTTPConnection(host, port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes, float]:
        data = json.dumps(body).encode() if body is not None else None
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                return resp.status, payload, (time.perf_counter() - t0) * 1000
            except (http.client.HTTPException, ConnectionError, TimeoutError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str, params: dict | None = None):
        return self.request("GET", path + ("?" + urlencode(params) if params else ""))

    def close(self) -> None:
        self.conn.close()


def get_token(host: str, port: int, username: str) -> str:
    status, body, _ = Client(host, port).request(
        "POST", "/api/v1/auth/token", {"username": username, "password": BENCH_PASSWORD}
    )
    if status != 200:
        raise SystemExit(f"login of {username} failed: {status} {body[:200]!r}")
    return json.loads(body)["token"]


def measure(client: Client, paths: list[str], *, n: int, warmup: int, check=None) -> dict:
    """Warm up, then time n sequential GETs cycling through `paths`; every answer must be 200."""
    for i in range(warmup):
        client.request("GET", paths[i % len(paths)])
    times, sizes = [], []
    for i in range(n):
        status, body, ms = client.request("GET", paths[i % len(paths)])
        if status != 200:
            raise SystemExit(f"GET {paths[i % len(paths)]} answered {status}: {body[:300]!r}")
        if check is not None and i == 0:
            check(json.loads(body))
        times.append(ms)
        sizes.append(len(body))
    return {
        "n": n,
        "p50": pct(times, 50),
        "p95": pct(times, 95),
        "max": max(times),
        "bytes": sum(sizes) // len(sizes),
    }


# --- the server under test --------------------------------------------------------------------


def free_port(preferred: int) -> int:
    """The preferred port if nothing listens there, else one the kernel picks."""
    import socket

    for candidate in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise SystemExit("no free port on 127.0.0.1")


def listener_pids(port: int) -> set[int]:
    import re

    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    return {int(m) for m in re.findall(r"pid=(\d+)", out)}


def start_server(
    db_url: str, port: int, workers: int, threads: int, log: Path, variant: str | None = None
) -> subprocess.Popen:
    """`dealbook serve --no-demo`, or with `variant` granian on bench/variant_wsgi.py (no access
    log) with those proposed changes patched in (see bench/ab_variants.py)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DEALBOOK_DATA_DIR=f"/tmp/dealbook_bench_server/{db_name(db_url)}",
        WEB_THREADS=str(threads),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DEALBOOK_ACCESS_LOG", None)
    dealbook = Path(sys.executable).with_name("dealbook")
    cmd = [str(dealbook), "serve", "--no-demo", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers)]
    if variant is not None:
        env["DEALBOOK_VARIANT"] = variant
        cmd = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1"]
        cmd += ["--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads)]
        cmd += ["bench.variant_wsgi:application"]
    proc = subprocess.Popen(
        cmd,
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}; see {log}")
        try:
            status, _, _ = Client("127.0.0.1", port).get("/healthz")
        except OSError:
            status = None
        if status == 200:
            # another program may have taken the port meanwhile: only measure our own server
            ours = set(_tree(proc.pid, _proc_table()))
            if listener_pids(port) and listener_pids(port) <= ours:
                return proc
            stop_server(proc)
            raise SystemExit(f"port {port} is served by another program; pass another --port")
        time.sleep(0.5)
    stop_server(proc)
    raise SystemExit(f"server did not answer /healthz within 120 s; see {log}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far) for every process."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return table


def _tree(root_pid: int, table: dict[int, tuple[int, float]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def process_tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants (server main process + workers), MB."""
    total_kb = 0
    for pid in _tree(root_pid, _proc_table()):
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def cpu_seconds(server_pid: int | None, database: str) -> dict[str, dict[int, float]]:
    """CPU time used so far by each process of the server's tree and by each PostgreSQL backend
    of the bench database: per-request CPU is what predicts capacity, whatever else the machine
    runs. Per process, so that a difference counts only processes alive at both readings."""
    table = _proc_table()
    server = {p: table[p][1] for p in _tree(server_pid, table) if p in table} if server_pid else {}
    postgres = {}
    marker = f" {database} ".encode()
    for pid, (_, cpu) in table.items():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ")
        except OSError:
            continue
        if cmd.startswith(b"postgres: ") and marker in cmd + b" ":
            postgres[pid] = cpu
    return {"server": server, "postgres": postgres}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two readings; a process that started in between counts from zero, one
    that ended in between (the bench's own set-up connection) is left out."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def find_server_pid(port: int) -> int | None:
    """The server's main process listening on the port (for --server): a listener's gunicorn or
    granian parent, so that all workers are counted."""
    pids = sorted(listener_pids(port))
    if not pids:
        return None
    with open(f"/proc/{pids[0]}/stat") as fh:
        ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
    with open(f"/proc/{ppid}/cmdline", "rb") as fh:
        parent = fh.read()
    return ppid if b"gunicorn" in parent or b"granian" in parent else pids[0]


# --- W7: concurrent clients -------------------------------------------------------------------


def _w7_worker(args) -> tuple[list[float], int, float]:
    host, port, token, paths, seconds, max_requests, seed = args
    cpu0 = time.process_time()
    rnd = random.Random(seed)
    client = Client(host, port, token)
    times, errors = [], 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and len(times) < max_requests:
        status, _, ms = client.request("GET", paths[rnd.randrange(len(paths))])
        if status == 200:
            times.append(ms)
        else:
            errors += 1
    client.close()
    return times, errors, time.process_time() - cpu0


def w7(
    host, port, token, paths, *, clients: int, seconds: float, server_pid: int | None, database: str
) -> dict:
    max_requests = 200_000  # a bound on top of the time bound
    jobs = [(host, port, token, paths, seconds, max_requests, i) for i in range(clients)]
    rss_peak = 0.0
    ctx = mp.get_context("spawn")
    with ctx.Pool(clients) as pool:
        cpu0 = cpu_seconds(server_pid, database)
        t0 = time.perf_counter()
        pending = pool.map_async(_w7_worker, jobs)
        while not pending.ready():
            if server_pid:
                rss_peak = max(rss_peak, process_tree_rss_mb(server_pid))
            pending.wait(1.0)
        wall = time.perf_counter() - t0
        cpu1 = cpu_seconds(server_pid, database)
        results = pending.get()
    times = [t for ts, _, _ in results for t in ts]
    errors = sum(e for _, e, _ in results)
    done = max(len(times) + errors, 1)
    per_request = {
        "server": cpu_used(cpu0["server"], cpu1["server"]) * 1000 / done,
        "postgres": cpu_used(cpu0["postgres"], cpu1["postgres"]) * 1000 / done,
        "clients": sum(c for _, _, c in results) * 1000 / done,
    }
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": len(times),
        "errors": errors,
        "rps": len(times) / wall,
        "p50": pct(times, 50),
        "p95": pct(times, 95),
        "rss_mb": rss_peak,
        "cpu_ms_per_request": per_request,
        # what the CPU spent per request allows on this machine's cores if nothing else ran
        "capacity_rps": (os.cpu_count() or 1) * 1000 / max(sum(per_request.values()), 1e-6),
    }


_WRK_SCRIPT = """
-- W7 through wrk: each connection sends its next request when the last answer arrived (8 clients)
wrk.headers["Authorization"] = "Bearer %(token)s"
local paths = {%(paths)s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("WRK_RESULT %%d %%d %%d %%d\\n", summary.requests, errors,
    latency:percentile(50), latency:percentile(95)))
end
"""


def w7_wrk(
    host, port, token, paths, *, clients: int, seconds: float, server_pid: int | None, database: str
) -> dict:
    """W7 with wrk (Debian's `wrk`): the same closed loop of `clients` connections, driven by a C
    load generator whose own CPU takes less from the server's two cores than Python clients."""
    import resource
    import shutil
    import tempfile

    if shutil.which("wrk") is None:
        raise SystemExit("--client wrk needs wrk (apt-get install wrk)")
    script = _WRK_SCRIPT % {"token": token, "paths": ", ".join(json.dumps(p) for p in paths)}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    threads = min(clients, os.cpu_count() or 1)
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(clients),
        "-d",
        f"{seconds:.0f}s",
        "-s",
        fh.name,
        f"http://{host}:{port}/",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0 = cpu_seconds(server_pid, database)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    rss_peak = 0.0
    while proc.poll() is None:
        if server_pid:
            rss_peak = max(rss_peak, process_tree_rss_mb(server_pid))
        time.sleep(1.0)
    wall = time.perf_counter() - t0
    cpu1 = cpu_seconds(server_pid, database)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.unlink(fh.name)
    out = proc.stdout.read()
    line = next((x for x in out.splitlines() if x.startswith("WRK_RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed: {out[-500:]}")
    found = dict(zip(("requests", "errors", "p50_us", "p95_us"), map(int, line.split()[1:]), strict=True))
    done = max(found["requests"], 1)
    client_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    per_request = {
        "server": cpu_used(cpu0["server"], cpu1["server"]) * 1000 / done,
        "postgres": cpu_used(cpu0["postgres"], cpu1["postgres"]) * 1000 / done,
        "clients": client_cpu * 1000 / done,
    }
    return {
        "clients": clients,
        "client": "wrk",
        "seconds": round(wall, 1),
        "requests": found["requests"] - found["errors"],
        "errors": found["errors"],
        "rps": (found["requests"] - found["errors"]) / wall,
        "p50": found["p50_us"] / 1000,
        "p95": found["p95_us"] / 1000,
        "rss_mb": rss_peak,
        "cpu_ms_per_request": per_request,
        "capacity_rps": (os.cpu_count() or 1) * 1000 / max(sum(per_request.values()), 1e-6),
    }


# --- what to ask for --------------------------------------------------------------------------


def plan(fragments_file: str | None, seed: int = 7) -> dict:
    """Pick the pipeline, stage, users and search fragments from the database (Django ORM)."""
    from django.db.models import Count

    from dealbook.accounts.models import Role, User
    from dealbook.crm.models import Company, ContactPoint, Deal, Pipeline, Stage

    neutral = Pipeline.objects.filter(name="Neutral benchmark").first()
    if neutral is not None:
        pipeline = neutral
        stage = Stage.objects.get(pipeline=pipeline, sort=40)  # the peer's W2: open deals of stage 4
    else:
        pipeline = Pipeline.objects.order_by("sort", "id").first()
        stage = Stage.objects.get(pipeline=pipeline, code="negotiation")
    director = User.objects.filter(role=Role.DIRECTOR).order_by("id").first()
    # the sales manager with the most deals in that stage: the hardest R2-filtered list
    top = (
        Deal.objects.filter(stage=stage, responsible__role=Role.SALES_MANAGER)
        .values("responsible_id")
        .annotate(n=Count("id"))
        .order_by("-n", "responsible_id")
        .first()
    )
    manager = User.objects.get(pk=top["responsible_id"])
    rng = random.Random(seed)
    frags: list[tuple[str, str]] = []
    if fragments_file:
        with open(fragments_file, newline="") as fh:
            frags = [(r["kind"], r["fragment"]) for r in csv.DictReader(fh)]
    else:
        names = list(Company.objects.order_by("?").values_list("name", flat=True)[:100])
        for name in names:
            core = name.split("«")[-1].rstrip("»") if "«" in name else name.split(" ")[1]
            size = min(rng.choice([4, 5]), len(core))
            start = rng.randrange(0, len(core) - size + 1)
            frags.append(("name", core[start : start + size].lower()))
        phones = ContactPoint.objects.filter(kind="phone").order_by("?").values_list("normalized", flat=True)
        for value in phones[:50]:
            start = rng.randrange(2, len(value) - 4)
            frags.append(("phone", value[start : start + 4]))
        inns = Company.objects.exclude(inn="").order_by("?").values_list("inn", flat=True)[:50]
        for inn in inns:
            start = rng.randrange(0, len(inn) - 6)
            frags.append(("inn", inn[start : start + 6]))
    return {
        "pipeline": pipeline,
        "stage": stage,
        "director": director,
        "manager": manager,
        "fragments": frags,
        "neutral": neutral is not None,
        "deals": Deal.objects.count(),
        "companies": Company.objects.count(),
    }


def list_sql_timing(user, stage_id: int, *, n: int, explain: bool) -> dict:
    """Time the list's own SQL (the query crm.queries.deals builds, as the API pages it)."""
    from django.db import connection

    from dealbook.crm.queries import deals as dq

    # the query the API runs for the first page: deal_page's (a UNION of the R2 branches for a
    # sales manager on PostgreSQL, see crm.queries.deals._page_query)
    qs = dq._page_query(user, {"stage": stage_id}, field="pk", desc=True, position=None, limit=50)
    sql, params = qs.query.sql_with_params()
    times = []
    with connection.cursor() as cur:
        for i in range(n + 10):
            t0 = time.perf_counter()
            cur.execute(sql, params)
            cur.fetchall()
            if i >= 10:
                times.append((time.perf_counter() - t0) * 1000)
        plan_text = ""
        if explain:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan_text = "\n".join(r[0] for r in cur.fetchall())
    return {
        "n": n,
        "p50": pct(times, 50),
        "p95": pct(times, 95),
        "sql": sql % tuple(params),
        "plan": plan_text,
    }


# --- main ---------------------------------------------------------------------------------------


def deal_list_path(stage_id: int) -> str:
    """W2: 50 deals of one stage, newest first."""
    return "/api/v1/deals?" + urlencode({"stage_id": stage_id, "ordering": "-id", "limit": 50})


def check_deal_page(body: dict, stage_id: int) -> None:
    """The answer is what W2 asks for: a full page of that stage's deals, newest first, with the
    company name, responsible and amount (a silently ignored filter would measure another query)."""
    items = body["items"]
    if len(items) != 50 or any(i["stage_id"] != stage_id for i in items):
        raise SystemExit(f"the list did not return 50 deals of stage {stage_id}: {str(body)[:300]}")
    if [i["id"] for i in items] != sorted((i["id"] for i in items), reverse=True):
        raise SystemExit("the list is not newest first")
    missing = {"company_name", "responsible_name", "amount"} - set(items[0])
    if missing:
        raise SystemExit(f"the list rows lack {missing}")


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def wait_until_quiet(limit_s: float, threshold: float = 1.0) -> None:
    """Other work on a 2-core machine distorts every figure: wait (bounded) for a quiet minute."""
    deadline = time.monotonic() + limit_s
    while float(loadavg().split()[0]) > threshold and time.monotonic() < deadline:
        time.sleep(5)


def run(args) -> dict:
    if args.wait_quiet:
        wait_until_quiet(args.wait_quiet)
    django_setup(args.url)
    p = plan(args.fragments)
    print(
        f"database {db_name(args.url)}: {p['deals']:,} deals, {p['companies']:,} companies; "
        f"pipeline {p['pipeline'].pk} «{p['pipeline'].name}», stage {p['stage'].pk} «{p['stage'].name}»; "
        f"director {p['director'].username}, sales manager {p['manager'].username}",
        flush=True,
    )
    proc = None
    if args.server:
        parts = urlsplit(args.server)
        host, port = parts.hostname, parts.port or 80
        if host not in LOCAL_HOSTS:
            raise SystemExit("--server must be on 127.0.0.1")
        server_pid = find_server_pid(port)
    else:
        host, port = "127.0.0.1", free_port(args.port)
        log = Path(f"/tmp/dealbook_bench_server_{port}.log")
        proc = start_server(args.url, port, args.workers, args.threads, log, args.variant)
        server_pid = proc.pid
    results: dict = {"database": db_name(args.url), "deals": p["deals"], "companies": p["companies"]}
    results["load average before"] = loadavg()
    if args.server:
        results["server"] = args.server
    elif args.variant is not None:
        results["server"] = f"variant [{args.variant}], {args.workers}x{args.threads}, no access log"
    else:
        results["server"] = f"dealbook serve --no-demo, {args.workers} workers x {args.threads} threads"
    try:
        tokens = {
            "director": get_token(host, port, p["director"].username),
            "manager": get_token(host, port, p["manager"].username),
        }
        stage_id, pipeline_id = p["stage"].pk, p["pipeline"].pk
        list_path = deal_list_path(stage_id)
        headers_path = f"/api/v1/pipelines/{pipeline_id}/headers"

        def check_list(body):
            check_deal_page(body, stage_id)

        n, warm = args.requests, args.warmup
        only = args.only
        for who in ("director", "manager"):
            client = Client(host, port, tokens[who])
            if "list" in only:
                results[f"W2 list ({who})"] = measure(client, [list_path], n=n, warmup=warm, check=check_list)
            if "headers" in only:
                results[f"W3 headers ({who})"] = measure(client, [headers_path], n=n, warmup=warm)
            client.close()
        if "sql" in only:
            for who in ("director", "manager"):
                results[f"W2 list SQL ({who})"] = list_sql_timing(p[who], stage_id, n=n, explain=args.explain)
        if "search" in only:
            by_kind: dict[str, list[str]] = {}
            for kind, frag in p["fragments"]:
                by_kind.setdefault(kind, []).append(
                    "/api/v1/search/companies?" + urlencode({"q": frag, "limit": 20})
                )
            every = [path for paths in by_kind.values() for path in paths]
            for who in ("director", "manager"):
                client = Client(host, port, tokens[who])
                results[f"W4 search ({who}, all fragments)"] = measure(client, every, n=n, warmup=warm)
                if who == "director":
                    for kind, paths in by_kind.items():
                        results[f"W4 search by {kind} (director)"] = measure(
                            client, paths, n=min(n, max(len(paths), 50)), warmup=5
                        )
                client.close()
        results["server RSS after sequential runs, MB"] = (
            process_tree_rss_mb(server_pid) if server_pid else None
        )
        if args.clients and "w7" in only:
            load = w7_wrk if args.client == "wrk" else w7
            results[f"W7 list, {args.clients} clients (director)"] = load(
                host,
                port,
                tokens["director"],
                [list_path],
                clients=args.clients,
                seconds=args.duration,
                server_pid=server_pid,
                database=db_name(args.url),
            )
            if args.w7_manager:
                results[f"W7 list, {args.clients} clients (manager)"] = load(
                    host,
                    port,
                    tokens["manager"],
                    [list_path],
                    clients=args.clients,
                    seconds=args.duration,
                    server_pid=server_pid,
                    database=db_name(args.url),
                )
        results["load average after"] = loadavg()
    finally:
        if proc is not None:
            stop_server(proc)
    return results


def report(results: dict, args) -> None:
    print()
    print(f"{'measurement':<42} {'n':>7} {'p50 ms':>8} {'p95 ms':>8}  other")
    for name, r in results.items():
        if not isinstance(r, dict):
            if isinstance(r, float):
                print(f"{name:<42} {r:>7.0f}")
            elif r is not None:
                print(f"{name:<42} {r}")
            continue
        if name.startswith("W7"):
            cpu = r["cpu_ms_per_request"]
            other = (
                f"{r['rps']:.0f} req/s, {r['errors']} errors, server RSS peak {r['rss_mb']:.0f} MB; "
                f"CPU/request: server {cpu['server']:.2f} ms, PostgreSQL {cpu['postgres']:.2f} ms, "
                f"{r.get('client', 'Python')} clients {cpu['clients']:.2f} ms → {r['capacity_rps']:.0f} req/s "
                f"on {os.cpu_count()} idle cores"
            )
            print(f"{name:<42} {r['requests']:>7} {r['p50']:>8.2f} {r['p95']:>8.2f}  {other}")
        else:
            other = f"{r['bytes']} bytes" if "bytes" in r else "psycopg, same SQL"
            print(f"{name:<42} {r['n']:>7} {r['p50']:>8.2f} {r['p95']:>8.2f}  {other}")
    for name, r in results.items():
        if isinstance(r, dict) and r.get("plan"):
            print(f"\n{name}:\n{r['sql']}\n{r['plan']}")
    print(
        "\nreproduce with:\n  "
        + " ".join(shlex.quote(a) for a in [".venv/bin/python", "-m", "bench.bench_api", *sys.argv[1:]])
    )
    if args.json:
        clean = {
            k: ({kk: vv for kk, vv in v.items() if kk != "plan"} if isinstance(v, dict) else v)
            for k, v in results.items()
        }
        Path(args.json).write_text(json.dumps(clean, indent=2, default=str))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=DEFAULT_URL, help="bench database (default %(default)s)")
    parser.add_argument("--server", help="measure a running server instead, e.g. http://127.0.0.1:8000")
    parser.add_argument(
        "--port", type=int, default=18765, help="port of the server this script starts (a free one if taken)"
    )
    parser.add_argument("--workers", type=int, default=2, help="processes of the started server")
    parser.add_argument("--threads", type=int, default=1, help="threads per process (WEB_THREADS)")
    parser.add_argument(
        "--fragments", help="search fragments CSV (kind,fragment); default: drawn from the DB"
    )
    parser.add_argument(
        "--variant",
        help="serve bench/variant_wsgi.py with these proposed changes instead of `dealbook serve`: "
        "comma-separated fast_json,token_cache,no_health_check,api_middleware,server_binding ('' for none)",
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per measurement")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8, help="W7 client processes (0 skips W7)")
    parser.add_argument("--duration", type=float, default=30.0, help="W7 seconds")
    parser.add_argument("--w7-manager", action="store_true", help="also run W7 as the sales manager")
    parser.add_argument(
        "--client",
        choices=("python", "wrk"),
        default="python",
        help="W7's load: Python client processes (default) or wrk's C event loop (apt-get install wrk)",
    )
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the list SQL")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument(
        "--only",
        default="list,headers,sql,search,w7",
        help="comma-separated subset of list,headers,sql,search,w7 (default: all)",
    )
    parser.add_argument(
        "--wait-quiet", type=float, default=0, help="wait up to this many seconds for load average < 1"
    )
    args = parser.parse_args(argv)
    args.requests = max(1, min(args.requests, 10_000))
    args.duration = max(1.0, min(args.duration, 300.0))
    args.clients = max(0, min(args.clients, 64))
    args.only = {part.strip() for part in args.only.split(",") if part.strip()}
    report(run(args), args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
