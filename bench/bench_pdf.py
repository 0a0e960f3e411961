"""Invoice PDFs end to end (issue 4, Speed; I8): one invoice loaded and rendered, and 1,000
different invoices rendered sequentially and from 2 processes, with peak memory.

    .venv/bin/python -m bench.bench_pdf                        # PostgreSQL dealbook_bench_pdf
    .venv/bin/python -m bench.bench_pdf --url sqlite:////tmp/dealbook_bench_pdf.sqlite3
    .venv/bin/python -m bench.bench_pdf --reuse                # keep the invoices of the last run

The database (only dealbook_bench* names on PostgreSQL; a scratch file for SQLite) is recreated,
migrated and filled with the demo world (dealbook.demo: our entity ООО "ВЕСТ ГРУПП" with its bank
account, buyers with requisites, the catalog), then with --invoices invoices of 1–10 random catalog
lines each, created through billing.services.invoice_create so numbers, taxes and totals are the
real ones. "End to end" is what GET /api/v1/invoices/{id}/pdf does: load the invoice with its
seller and payer, build the print data (lines, requisites, amounts in words) and render it with
Typst (billing.printing.invoice_pdf). Goals: p50 ≤ 30 ms for one invoice; 1,000 in ≤ 30 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import multiprocessing as mp
import os
import random
import resource
import shlex
import sys
import time
from pathlib import Path

from bench.common import ensure_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dealbook_bench_pdf"
SEED = 20261124
GOAL_P50_MS = 30.0
GOAL_BATCH_S = 30.0


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


def maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


# --- database ---------------------------------------------------------------------------------


def prepare_database(url: str, *, reuse: bool, data_dir: str = "/tmp/dealbook_bench_data/pdf") -> None:
    """Create (or keep, with --reuse) the bench database and point Django at it."""
    if url.startswith("sqlite:"):
        path = Path(url.removeprefix("sqlite://"))
        if not reuse and path.exists():
            path.unlink()
    else:
        ensure_database(url, reset=not reuse)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEALBOOK_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealbook.settings")
    Path(os.environ["DEALBOOK_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()


def fill(count: int) -> None:
    """The demo world, then `count` invoices of 1–10 lines through the billing service."""
    from django.core.management import call_command
    from django.db import transaction

    from dealbook import demo
    from dealbook.accounts.models import Role, User
    from dealbook.billing.models import Invoice
    from dealbook.billing.services import invoice_create
    from dealbook.catalog.models import Product
    from dealbook.crm.models import Company

    call_command("migrate", interactive=False, verbosity=0)
    if demo.is_empty():
        demo.load()
    missing = count - Invoice.objects.count()
    if missing <= 0:
        return
    rng = random.Random(SEED)
    admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
    seller = Company.objects.filter(is_own=True).order_by("pk").first()
    buyers = list(Company.objects.filter(is_own=False).exclude(inn="").order_by("pk"))
    products = list(Product.objects.filter(is_active=True).values_list("pk", flat=True))
    t0 = time.perf_counter()
    for n in range(missing):
        lines = [
            {"product": pid, "quantity": str(rng.choice((1, 2, 3, 5, 10, 12, 40)))}
            for pid in rng.sample(products, rng.randint(1, min(10, len(products))))
        ]
        with transaction.atomic():
            invoice_create(
                actor=admin,
                seller=seller,
                payer_company=rng.choice(buyers),
                date=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(320)),
                due_date=dt.date(2026, 12, 31),
                lines=lines,
            )
        if (n + 1) % 200 == 0:
            print(f"  {n + 1:>5} invoices created ({time.perf_counter() - t0:.1f} s)", flush=True)


# --- measuring --------------------------------------------------------------------------------


def render_one(invoice_id: int) -> int:
    """Load, build and render one invoice as the PDF endpoint does; the PDF's size."""
    from dealbook.billing.models import Invoice
    from dealbook.billing.printing import invoice_pdf

    invoice = Invoice.objects.select_related("seller", "payer_company", "payer_contact").get(pk=invoice_id)
    pdf, _name = invoice_pdf(invoice)
    if not pdf.startswith(b"%PDF"):
        raise AssertionError(f"invoice {invoice_id}: not a PDF")
    return len(pdf)


def _worker_init(env: dict[str, str], warm_id: int) -> None:
    """A spawned worker sets Django up on the same database (fork is unsafe: Typst's thread pool)."""
    os.environ.update(env)
    import django

    django.setup()
    render_one(warm_id)


def _render_chunk(ids: list[int]) -> tuple[int, float, float]:
    """The PDFs' size, the worker's peak memory and the CPU seconds (all its threads) of the chunk."""
    c0 = time.process_time()
    total = sum(render_one(pk) for pk in ids)
    return total, maxrss_mb(), time.process_time() - c0


def single(invoice_id: int, runs: int, warmup: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds (this process, all its threads) of each run: on a busy shared
    machine the CPU time shows what the work costs, the wall time what a user waits."""
    for _ in range(warmup):
        render_one(invoice_id)
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        render_one(invoice_id)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def batch_sequential(ids: list[int]) -> tuple[float, float, int]:
    t0, c0 = time.perf_counter(), time.process_time()
    size = sum(render_one(pk) for pk in ids)
    return time.perf_counter() - t0, time.process_time() - c0, size


def batch_parallel(ids: list[int], processes: int) -> tuple[float, float, int, float, float]:
    """Render the ids from `processes` spawned workers (chunks of 25): the wall time of the
    rendering once the workers are up (each has set Django up and rendered one invoice, as a
    running server process has), the wall time including their start, the PDFs' size, the largest
    worker's peak memory and the CPU seconds the workers spent rendering (summed)."""
    env = {k: os.environ[k] for k in ("DATABASE_URL", "DEALBOOK_DATA_DIR", "DJANGO_SETTINGS_MODULE")}
    chunks = [ids[i : i + 25] for i in range(0, len(ids), 25)]
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(processes, initializer=_worker_init, initargs=(env, ids[0])) as pool:
        pool.map(_noop, range(processes * 4))  # wait until every worker is up
        t1 = time.perf_counter()
        results = pool.map(_render_chunk, chunks)
        t2 = time.perf_counter()
    size = sum(r[0] for r in results)
    return t2 - t1, t2 - t0, size, max(r[1] for r in results), sum(r[2] for r in results)


def _noop(_n: int) -> None:
    time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--url", default=DEFAULT_URL, help="database (postgres dealbook_bench* or sqlite file)"
    )
    parser.add_argument("--invoices", type=int, default=1000, help="different invoices to render")
    parser.add_argument("--runs", type=int, default=200, help="renders of the one invoice")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    args = parser.parse_args(argv)

    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "-m", "bench.bench_pdf", *sys.argv[1:]])
    print(f"bench_pdf: {args.invoices} invoices on {args.url}")
    t0 = time.perf_counter()
    prepare_database(args.url, reuse=args.reuse)
    fill(args.invoices)
    print(f"  database ready in {time.perf_counter() - t0:.1f} s")

    from dealbook.billing.models import Invoice, InvoiceLine

    ids = list(Invoice.objects.order_by("pk").values_list("pk", flat=True)[: args.invoices])
    lines = InvoiceLine.objects.filter(invoice_id__in=ids).count()
    probe = ids[len(ids) // 2]  # any one of them; 1–10 lines like the rest

    times, cpu = single(probe, args.runs, args.warmup)
    p50, p95 = pct(times, 50), pct(times, 95)
    print(f"\none invoice end to end (load + data + render), {args.runs} runs after {args.warmup} warm-up:")
    print(f"  wall p50 {p50:.1f} ms   p95 {p95:.1f} ms   min {min(times):.1f} ms   max {max(times):.1f} ms")
    print(f"  CPU  p50 {pct(cpu, 50):.1f} ms   p95 {pct(cpu, 95):.1f} ms")

    seq_s, seq_cpu, seq_bytes = batch_sequential(ids)
    print(f"\n{len(ids)} different invoices ({lines} lines), sequentially:")
    print(f"  {seq_s:.2f} s   {seq_s / len(ids) * 1000:.1f} ms/invoice   {seq_bytes / 2**20:.1f} MiB of PDF")
    print(f"  CPU {seq_cpu:.2f} s   {seq_cpu / len(ids) * 1000:.1f} ms/invoice")
    par_s, with_start_s, _size, worker_rss, par_cpu = batch_parallel(ids, args.processes)
    print(f"{len(ids)} different invoices from {args.processes} processes:")
    print(
        f"  {par_s:.2f} s   {par_s / len(ids) * 1000:.1f} ms/invoice (wall)   "
        f"{with_start_s:.2f} s with the workers' start"
    )
    print(
        f"  CPU {par_cpu:.2f} s in the workers   {par_cpu / len(ids) * 1000:.1f} ms/invoice   "
        f"cores busy {par_cpu / par_s:.2f} of {args.processes}"
    )

    print("\npeak memory (max RSS):")
    print(f"  main process {maxrss_mb():.0f} MiB   largest worker {worker_rss:.0f} MiB")
    print(f"  load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    verdict = "met" if p50 <= GOAL_P50_MS and min(seq_s, par_s) <= GOAL_BATCH_S else "MISSED"
    cpu_p50 = pct(cpu, 50)
    # on a loaded machine the CPU time shows the cost: p50 in CPU, and the batch as 2 cores would do it
    cpu_verdict = "met" if cpu_p50 <= GOAL_P50_MS and par_cpu / args.processes <= GOAL_BATCH_S else "MISSED"
    print(
        f"\ngoals p50 ≤ {GOAL_P50_MS:.0f} ms, {len(ids)} in ≤ {GOAL_BATCH_S:.0f} s: wall {verdict}, CPU {cpu_verdict}"
    )
    print(f"reproduce: {command}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
