"""`make load`: USERS people using Rapport at once for DURATION seconds, then a count in the
database that every write they were told succeeded is there exactly once.

    LOAD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_load \\
        .venv/bin/python bench/soak.py --users 50 --duration 60

Steps: create the database if missing and seed it with bench/seed.py at a small scale (SCALE
0.02: 2,000 customers, 20,000 interactions), one staff account per virtual user
(bench-staff-0 is the manager); start gunicorn as bench/run.py does (2 sync workers, DEBUG
off) with Celery's broker on LOAD_BROKER_URL (Redis db 6 by default: logging an interaction
enqueues a loyalty recomputation there; no worker runs unless --worker); then a separate
process (bench/visitors.py) runs the virtual users in threads. Each logs in through the
login form as its own user and loops over a weighted mix of pages and writes (logging an
interaction, adding a follow-up, adding a customer) through the real forms, with a think time
between actions. Every write carries a marker unique to the run in its summary or name; those
answered with the expected redirect are the client's record, and the database must hold each
exactly once.

Writes bench/results/load-<date>.json and prints a markdown summary. Exits 1 when any request
failed (5xx, a connection error, any status other than the expected one, a lockout) or any
recorded write is missing or doubled. The database is the load test's own: its bench data is
replaced, and the broker's queue is emptied afterwards.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import percentile  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rapport_load"
DEFAULT_BROKER = "redis://127.0.0.1:6379/6"
CELERY_QUEUE = "celery"


def log(message):
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# The run ---------------------------------------------------------------------------------------
def celery_worker(database_url, broker):
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "config",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "warning",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker,
        },
    )


def count_in_database(run_id, writes):
    """How many rows carry each of this run's markers, by kind of write."""
    from django.db.models import Count

    from customers.models import Customer
    from interactions.models import FollowUp, Interaction

    prefix = f"load {run_id} "
    found = {
        "interaction": Interaction.objects.filter(summary__startswith=prefix).values("summary"),
        "follow_up": FollowUp.objects.filter(summary__startswith=prefix).values("summary"),
        "customer": Customer.objects.filter(name__startswith=prefix).values("name"),
    }
    counted = {}
    for kind, rows in found.items():
        field = "name" if kind == "customer" else "summary"
        per_marker = {row[field]: row["n"] for row in rows.annotate(n=Count("id"))}
        record = writes.get(kind, {"attempted": 0, "confirmed": [], "unsure": []})
        confirmed, recorded = record["confirmed"], set(record["confirmed"])
        counted[kind] = {
            "attempted": record["attempted"],
            "confirmed": len(confirmed),
            "found": sum(1 for marker in confirmed if per_marker.get(marker) == 1),
            "missing": sorted(m for m in confirmed if m not in per_marker),
            "doubled": sorted(m for m, n in per_marker.items() if n > 1),
            "unconfirmed_but_saved": sorted(m for m in per_marker if m not in recorded),
            "unsure": len(record["unsure"]),
        }
    return counted


def summarise(timings):
    pages = {}
    for page, values in sorted(timings.items()):
        pages[page] = {
            "requests": len(values),
            "p50_ms": round(percentile(values, 0.5), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "max_ms": round(max(values), 1),
        }
    return pages


def markdown(results):
    counts, login = results["counts"], results["login_phase"]
    intro = (
        f"{results['users']} users for {results['duration_seconds']} s (think time "
        f"0-{2 * results['think_seconds']:g} s) against gunicorn (2 sync workers, DEBUG off) on "
        f"{results['machine']}; {counts['customers']:,} customers, "
        f"{counts['interactions']:,} interactions before the run. Load average (1 min) "
        f"{results['load_average_before']} before, {results['load_average_after']} after."
    )
    lines = [
        f"# Rapport load test {results['date']}",
        "",
        textwrap.fill(intro, width=100, break_on_hyphens=False),
        "",
        f"- requests: {results['requests_total']:,} in all, "
        f"{results['requests_per_second_overall']} req/s overall",
        f"- logins through the form: {results['logged_in']}/{results['users']} in "
        f"{login['seconds']} s (p50 {login.get('p50_ms', '-')} ms, p95 "
        f"{login.get('p95_ms', '-')} ms; form and POST together), lockouts {results['lockouts']}",
        f"- then the mix: {results['requests']:,} requests in {results['elapsed_seconds']} s, "
        f"{results['requests_per_second']} req/s",
        f"- errors: {results['error_count']}",
        f"- Celery tasks left queued: {results['celery_tasks_queued']}",
        "",
        "| page | requests | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|",
    ]
    for page, figures in results["pages"].items():
        lines.append(
            f"| {page} | {figures['requests']} | {figures['p50_ms']} | {figures['p95_ms']} | "
            f"{figures['max_ms']} |"
        )
    lines += [
        "",
        "| write | attempted | confirmed | found once in the database | missing | doubled "
        "| saved, not confirmed |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, figures in results["writes"].items():
        lines.append(
            f"| {kind} | {figures['attempted']} | {figures['confirmed']} | {figures['found']} | "
            f"{len(figures['missing'])} | {len(figures['doubled'])} | "
            f"{len(figures['unconfirmed_but_saved'])} |"
        )
    if results["errors_sample"]:
        lines += ["", "First errors:", ""]
        lines += [f"- `{error}`" for error in results["errors_sample"]]
    lines += ["", f"Verdict: **{'pass' if results['passed'] else 'FAIL'}**"]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("USERS", 50)))
    parser.add_argument("--duration", type=float, default=float(os.environ.get("DURATION", 60)))
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between actions")
    parser.add_argument("--scale", type=float, default=0.02, help="bench/seed.py's SCALE")
    parser.add_argument("--no-seed", action="store_true", help="reuse the data already seeded")
    parser.add_argument("--worker", action="store_true", help="run a Celery worker too")
    args = parser.parse_args()

    from bench import run as bench_run

    database_url = os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL)
    broker = os.environ.get("LOAD_BROKER_URL", DEFAULT_BROKER)
    os.environ["DATABASE_URL"] = database_url
    bench_run.ensure_database(database_url)
    if not args.no_seed:
        log(f"seeding at SCALE={args.scale} with {max(args.users, 10)} staff")
        bench_run.seed_database(args.scale, staff=max(args.users, 10))
    bench_run.setup_django()
    import redis
    from django.conf import settings
    from django.db import connection

    if "axes" in settings.INSTALLED_APPS:
        from axes.utils import reset

        reset()  # a lockout left by an earlier run would fail this one for no new reason
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM customers_customer")
        first, last, customers = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM interactions_interaction")
        interactions = cursor.fetchone()[0]
    connection.close()
    queue = redis.Redis.from_url(broker)
    queue.delete(CELERY_QUEUE)

    run_id = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
    worker = celery_worker(database_url, broker) if args.worker else None
    try:
        with bench_run.gunicorn(database_url, CELERY_BROKER_URL=broker) as port:
            log(f"{args.users} users for {args.duration:g} s on port {port}")
            load_before = os.getloadavg()[0]
            out = subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "bench" / "visitors.py"),
                    "--port",
                    str(port),
                    "--users",
                    str(args.users),
                    "--duration",
                    str(args.duration),
                    "--think",
                    str(args.think),
                    "--run-id",
                    run_id,
                    "--customers",
                    f"{first}-{last}",
                ],
                cwd=ROOT,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            )
            load_after = os.getloadavg()[0]
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
    seen = json.loads(out.stdout)
    queued = queue.llen(CELERY_QUEUE)
    queue.delete(CELERY_QUEUE)

    writes = count_in_database(run_id, seen["writes"])
    errors = seen["errors"]
    faults = [kind for kind, w in writes.items() if w["missing"] or w["doubled"]]
    elapsed = seen["elapsed_seconds"]
    date = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")
    results = {
        "date": date,
        "run_id": run_id,
        "users": args.users,
        "duration_seconds": args.duration,
        "think_seconds": args.think,
        "machine": f"{os.cpu_count()} cores",
        "database": urllib.parse.urlparse(database_url).path.lstrip("/"),
        "counts": {"customers": customers, "interactions": interactions},
        "celery_worker": bool(worker),
        "celery_tasks_queued": queued,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
        "requests_total": seen["login_requests"] + seen["requests"],
        "login_phase": {
            **summarise({"login": seen["login_timings"]}).get("login", {}),
            "seconds": round(seen["login_seconds"], 1),
            "requests": seen["login_requests"],
        },
        "requests": seen["requests"],
        "elapsed_seconds": round(elapsed, 1),
        "requests_per_second": round(seen["requests"] / elapsed, 1),
        "requests_per_second_overall": round(
            (seen["login_requests"] + seen["requests"]) / (seen["login_seconds"] + elapsed), 1
        ),
        "logged_in": seen["logged_in"],
        "lockouts": seen["lockouts"],
        "error_count": len(errors),
        "errors_sample": errors[:20],
        "pages": summarise(seen["timings"]),
        "writes": writes,
    }
    results["passed"] = not errors and not faults
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"load-{date}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
