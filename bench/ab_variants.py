"""Measure proposed server changes side by side on W7 (8 clients on the deal list).

    .venv/bin/python -m bench.ab_variants --url postgres://postgres@127.0.0.1:5432/dealbook_bench_neutral

Each configuration starts granian (as `dealbook serve` does) on bench/variant_wsgi.py (DEALBOOK_VARIANT selects the
patched behaviours), runs W7 for --duration seconds, and stops it; configurations alternate for
--rounds rounds so that other work on the machine spreads evenly over them. Besides req/s it
reports CPU per request (server tree, PostgreSQL backends, clients), which predicts capacity on
an idle machine far better than req/s measured on a busy one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.bench_api import (
    Client,
    _proc_table,
    _tree,
    check_deal_page,
    deal_list_path,
    free_port,
    get_token,
    listener_pids,
    loadavg,
    plan,
    stop_server,
    w7,
)
from bench.common import DEFAULT_URL, db_name, django_setup

ALL = "no_health_check,fast_json,token_cache,api_middleware"
# name, processes, threads per process, access log, variants
CONFIGS = [
    ("as `dealbook serve` (2 processes x 1 thread)", 2, 1, False, ""),
    ("with access log", 2, 1, True, ""),
    ("all variants (2x1)", 2, 1, False, ALL),
    ("2 processes x 4 threads", 2, 4, False, ""),
]


def start(db_url: str, workers: int, threads: int, access_log: bool, variant: str) -> tuple:
    port = free_port(18790)
    env = dict(os.environ, DATABASE_URL=db_url, DEALBOOK_VARIANT=variant)
    env["DEALBOOK_DATA_DIR"] = f"/tmp/dealbook_bench_server/{db_name(db_url)}"
    cmd = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers), "--blocking-threads", str(threads)]
    cmd += [*(["--access-log"] if access_log else []), "bench.variant_wsgi:application"]
    log = Path(f"/tmp/dealbook_bench_variant_{port}.log")
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        cmd, cwd=root, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited; see {log}")
        try:
            status = Client("127.0.0.1", port).get("/healthz")[0]
        except OSError:
            status = None
        if status == 200 and listener_pids(port) <= set(_tree(proc.pid, _proc_table())):
            return proc, port
        time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"server did not start; see {log}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv)
    rounds = max(1, min(args.rounds, 10))
    duration = max(5.0, min(args.duration, 120.0))
    clients = max(1, min(args.clients, 32))

    django_setup(args.url)
    p = plan(None)
    path = deal_list_path(p["stage"].pk)
    print(f"W7 on {db_name(args.url)}: GET {path} as {p['director'].username}, load {loadavg()}", flush=True)
    runs: dict[str, list[dict]] = {c[0]: [] for c in CONFIGS}
    for rnd in range(1, rounds + 1):
        for name, workers, threads, access_log, variant in CONFIGS:
            proc, port = start(args.url, workers, threads, access_log, variant)
            try:
                token = get_token("127.0.0.1", port, p["director"].username)
                status, body, _ = Client("127.0.0.1", port, token).get(path)
                if status != 200:
                    raise SystemExit(f"GET {path} answered {status}")
                check_deal_page(json.loads(body), p["stage"].pk)
                r = w7(
                    "127.0.0.1",
                    port,
                    token,
                    [path],
                    clients=clients,
                    seconds=duration,
                    server_pid=proc.pid,
                    database=db_name(args.url),
                )
            finally:
                stop_server(proc)
            runs[name].append(r)
            cpu = r["cpu_ms_per_request"]
            print(
                f"  round {rnd} {name:<48} {r['rps']:5.0f} req/s p95 {r['p95']:6.1f} ms "
                f"CPU/req {sum(cpu.values()):.2f} ms load {loadavg()}",
                flush=True,
            )
    print(
        f"\n{'configuration':<50} {'req/s':>6} {'p95 ms':>7} {'server':>7} {'pg':>6} {'client':>7} "
        f"{'total':>6} {'capacity':>9} {'RSS MB':>7}"
    )
    for name, rs in runs.items():
        n = len(rs)
        avg = {k: sum(r["cpu_ms_per_request"][k] for r in rs) / n for k in ("server", "postgres", "clients")}
        total = sum(avg.values())
        print(
            f"{name:<50} {sum(r['rps'] for r in rs) / n:6.0f} {sum(r['p95'] for r in rs) / n:7.1f} "
            f"{avg['server']:7.2f} {avg['postgres']:6.2f} {avg['clients']:7.2f} {total:6.2f} "
            f"{(os.cpu_count() or 1) * 1000 / total:9.0f} {max(r['rss_mb'] for r in rs):7.0f}"
        )
    print("\n(CPU in ms per request; capacity = req/s the CPU per request allows on this machine's cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
