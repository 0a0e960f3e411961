"""Where an API request spends its time, in-process (no HTTP server): queries, CPU, hot functions.

    .venv/bin/python -m bench.profile_api --url postgres://postgres@127.0.0.1:5432/dealbook_bench_neutral \
        "/api/v1/deals?stage_id=4&ordering=-id&limit=50" --user bench_director

Runs the request through Django's full stack (middleware, auth, ninja, serialization) with the
test client, prints the SQL it sends with each statement's time, the wall and CPU time per request
(CPU time is what a loaded machine distorts least), and a cProfile of the slowest functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

from bench.bench_api import pct
from bench.common import DEFAULT_URL, django_setup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", help="request path with query string")
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--user", default="bench_director")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    args.n = max(1, min(args.n, 5000))

    django_setup(args.url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dealbook.accounts.models import ApiToken, User

    user = User.objects.get(username=args.user)
    token, key = ApiToken.issue(user, name="profile_api")
    try:
        client = Client()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_HOST": "127.0.0.1"}
        for _ in range(20):
            response = client.get(args.path, **headers)
        assert response.status_code == 200, response.content[:300]
        with CaptureQueriesContext(connection) as ctx:
            client.get(args.path, **headers)
        print(f"{len(ctx.captured_queries)} queries per request:")
        for q in ctx.captured_queries:
            print(f"  {float(q['time']) * 1000:7.2f} ms  {q['sql'][:220]}")
        wall, cpu = [], []
        for _ in range(args.n):
            t0, c0 = time.perf_counter(), time.process_time()
            client.get(args.path, **headers)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        print(
            f"wall p50 {pct(wall, 50):.2f} ms p95 {pct(wall, 95):.2f} ms; "
            f"CPU p50 {pct(cpu, 50):.2f} ms p95 {pct(cpu, 95):.2f} ms ({args.n} requests, {len(response.content)} bytes)"
        )
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            client.get(args.path, **headers)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
    finally:
        token.delete()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
