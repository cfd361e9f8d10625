"""`make bench`: seed a PostgreSQL database, load the main pages through gunicorn, time the
background jobs, and write bench/results/<date>.json and .md plus the README's table.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench SCALE=1 \\
        .venv/bin/python bench/run.py

Steps: create the database if missing; bench/seed.py (migrates, then COPY); choose the
dashboard's at-risk candidates, as beat does on a running Rapport; capture each page's queries
in-process with the test client (the query count, and the SQL the floor views replay); start
gunicorn (2 workers, DEBUG off, bench/settings.py) and load every page and its floor from a
separate process (bench/load.py), choosing the candidates again every few minutes meanwhile;
then the jobs in-process: planning reminders, 5,000 digests to a local aiosmtpd server,
10,000 inbound emails stored and filed by one worker (bench/inbound.py, which puts back what
filing changed), an announcement's audience with its wishes matched over every customer and
10,000 of its emails queued and sent over SMTP by one worker (bench/announcements.py, which
takes back what it wrote), a 100,000-row CSV import in a child process (time and peak RSS),
and loyalty recomputation over a sample, extrapolated to every customer.
The database is the bench's own: everything in it is replaced.
"""

import argparse
import contextlib
import datetime
import json
import multiprocessing
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rapport_bench"
MANAGER, PASSWORD = "bench-staff-0", "rapport-bench"

TARGETS = {
    "list_first": 50,
    "list_page_400": 50,
    "search": 50,
    "profile": 50,
    "my_day": 50,
    "complaints": None,
    "dashboard": 300,
}
API_TARGET_MS = 50
FLOOR_RATIO = 3
# Each page's latencies are taken in this many passes over every page and floor: a page and its
# floor then see the host alike, where one after the other they can meet different spells.
LATENCY_ROUNDS = 10
sys.path.insert(0, str(ROOT))


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ensure_database(url):
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed_database(scale, staff=20):
    """bench/seed.py in a child process (on DATABASE_URL): migrate, then COPY. Its JSON line."""
    out = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "seed.py"), "--scale", str(scale), "--staff", str(staff)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def setup_django():
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # Escalations that planning enqueues go to an in-memory broker; no worker runs.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["CELERY_RESULT_BACKEND"] = "cache+memory://"
    import django

    django.setup()


# Pages ---------------------------------------------------------------------------------------
def page_urls(cursor) -> dict[str, str]:
    """The pages under test, with the busiest customer's profile; any DB-API ``cursor`` on the
    bench database (Django's, or psycopg's from bench/interleave.py)."""
    cursor.execute(
        "SELECT customer_id FROM interactions_interaction GROUP BY customer_id "
        "ORDER BY count(*) DESC LIMIT 1"
    )
    busiest = cursor.fetchone()[0]
    return {
        "list_first": "/customers/",
        "list_page_400": "/customers/?page=400",
        "search": "/customers/?q=customer4242",
        "profile": f"/customers/{busiest}/",
        "my_day": "/",
        "complaints": "/complaints/",
        "dashboard": "/dashboard/",
    }


def api_requests(cursor) -> dict:
    """The API endpoints under test: the customer list, its search, and logging a call (on a
    customer of the middle of the book, so the busiest's timeline stays as the pages see it)."""
    cursor.execute("SELECT id FROM customers_customer ORDER BY id OFFSET 50000 LIMIT 1")
    row = cursor.fetchone()
    if row is None:
        cursor.execute("SELECT min(id) FROM customers_customer")
        row = cursor.fetchone()
    return {
        "api_list": "/api/v1/customers/",
        "api_search": "/api/v1/customers/?q=customer4242",
        "api_log": {
            "method": "POST",
            "path": f"/api/v1/customers/{row[0]}/interactions/",
            "body": {"kind": "call", "channel": "phone", "summary": "Rang about the renewal"},
        },
    }


def api_token() -> str:
    """A read-and-write token of the bench's manager."""
    from django.contrib.auth.models import User

    from api.tokens import token_create

    return token_create(user=User.objects.get(username=MANAGER), name="bench", scope="write")[1]


def api_queries(requests: dict, token: str) -> dict[str, int]:
    """Each API request's query count, as the Django test client runs it."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    counts = {}
    for name, spec in requests.items():
        with CaptureQueriesContext(connection) as queries:
            if isinstance(spec, str):
                response = client.get(spec)
            else:
                response = client.post(spec["path"], spec["body"], content_type="application/json")
        assert response.status_code in (200, 201), (name, response.status_code)
        counts[name] = len(queries.captured_queries)
    return counts


def capture_queries(urls, floor_file):
    """Each page's query count, and its SELECTs for the floor (minus the middleware's own)."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(User.objects.get(username=MANAGER))

    def sql_of(url):
        for _ in range(2):
            response = client.get(url, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, HTTP_HOST="127.0.0.1")
        return [q["sql"] for q in queries.captured_queries]

    baseline = sql_of("/__floor__/__baseline__/")  # session and user: the floor runs them too
    counts, statements = {}, {}
    for name, url in urls.items():
        sql = sql_of(url)
        counts[name] = len(sql)
        own = sql[len(baseline) :] if sql[: len(baseline)] == baseline else sql
        statements[name] = [s for s in own if re.match(r"\s*(SELECT|WITH)\b", s, re.I)]
    floor_file.write_text(json.dumps(statements))
    return counts, len(baseline)


# Below this many customers PostgreSQL rightly scans the table rather than read an index.
SEARCH_PLAN_MIN_CUSTOMERS = 20_000


def search_plans(statements, customers: int) -> list[str]:
    """The search page's statements that filter customers by the search text, each checked to
    read a trigram index after a database-wide VACUUM ANALYZE; exits naming any that does not.
    A book under SEARCH_PLAN_MIN_CUSTOMERS is not checked."""
    from django.db import connection

    if customers < SEARCH_PLAN_MIN_CUSTOMERS:
        log(f"search plan not checked: {customers:,} customers, a scan is the cheaper plan")
        return []

    searches = [s for s in statements if "customers_customer" in s and " LIKE " in s.upper()]
    if not searches:
        sys.exit("bench: the search page ran no search statement")
    with connection.cursor() as cursor:
        cursor.connection.autocommit = True
        cursor.execute("VACUUM ANALYZE")
        plans = []
        for sql in searches:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if "_trgm" not in plan:
                sys.exit(f"bench: the search does not use its trigram indexes:\n{sql}\n{plan}")
            plans.append(plan)
    return plans


@contextlib.contextmanager
def gunicorn(database_url, **extra_env):
    """gunicorn as production runs it (2 sync workers, DEBUG off) but over plain http on a free
    port of 127.0.0.1, with bench/settings.py; yields the port and stops it on the way out."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        **extra_env,
    }
    bind = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            bind,
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(f"gunicorn exited with status {server.returncode}") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def load(port, urls, requests, seconds, concurrency, rounds=LATENCY_ROUNDS, token=None) -> dict:
    """bench/load.py against the gunicorn on ``port``: its figures for each of ``urls``, their
    latencies taken in ``rounds`` passes over them all."""
    out = subprocess.run(
        [
            PYTHON,
            str(ROOT / "bench" / "load.py"),
            "--port",
            str(port),
            "--username",
            MANAGER,
            "--password",
            PASSWORD,
            "--urls",
            json.dumps(urls),
            "--requests",
            str(requests),
            "--seconds",
            str(seconds),
            "--concurrency",
            str(concurrency),
            "--rounds",
            str(rounds),
            *(["--token", token] if token else []),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def load_pages(urls, database_url, floor_file, args, api=None, token=None):
    # The token's throttle is lifted out of the way: its counting statement still runs.
    with gunicorn(
        database_url, BENCH_FLOOR_SQL=str(floor_file), API_REQUESTS_PER_MINUTE="100000000"
    ) as port:
        every = {**urls, **{f"floor_{name}": f"/__floor__/{name}/" for name in urls}, **(api or {})}
        return load(port, every, args.requests, args.seconds, concurrency=2, token=token)


# Jobs ----------------------------------------------------------------------------------------
def job_at_risk():
    """Scoring the dashboard's at-risk candidates: what a dashboard visit costs once every
    AT_RISK_CACHE_SECONDS, when the kept scores have run out."""
    from django.utils import timezone

    from front.at_risk import _at_risk_rows

    now = timezone.now()
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        rows = _at_risk_rows(timezone.localdate(now), now)
        timings.append(time.perf_counter() - started)
    return {"at_risk_score_seconds": round(sorted(timings)[2], 3), "at_risk_rows": len(rows)}


def job_plan():
    from django.db import connection

    from interactions.reminders.planning import plan_reminders

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE interactions_reminder, interactions_digest CASCADE")
    started = time.perf_counter()
    created = plan_reminders()
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = plan_reminders()
    second = time.perf_counter() - started
    return {
        "plan_seconds": round(first, 2),
        "plan_created": created,
        "plan_rerun_seconds": round(second, 2),
        "plan_rerun_created": again,
    }


def smtp_server(port, received, stop):
    """A local SMTP server (aiosmtpd) that counts what it receives and discards it."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            with received.get_lock():
                received.value += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


def job_digests(count):
    """``count`` staff, one reminder each, one digest each, sent over SMTP to aiosmtpd."""
    import zoneinfo

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test.utils import override_settings

    from core.models import OutgoingEmail
    from core.outbox.delivery import emails_send, in_batches
    from customers.models import Customer
    from interactions.digests import schedule_digests
    from interactions.models import Digest, Reminder

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE interactions_reminder, interactions_digest CASCADE")
    User.objects.filter(username__startswith="bench-digest-").delete()
    password = make_password(None)
    User.objects.bulk_create(
        User(username=f"bench-digest-{n}", email=f"d{n}@bench.example", password=password)
        for n in range(count)
    )
    users = list(User.objects.filter(username__startswith="bench-digest-").values_list("pk"))
    Group.objects.get(name="Staff").user_set.add(*[pk for (pk,) in users])
    customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:count])
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = datetime.datetime.now(tz)
    now = local.replace(hour=max(settings.DIGEST_HOUR, 12), minute=0)
    # A small book has fewer customers than digests: a customer's check-in then falls due on
    # an earlier day for each further digest (a reminder is once per customer and due date).
    Reminder.objects.bulk_create(
        Reminder(
            kind=Reminder.Kind.CHECK_IN,
            object_id=customers[n % len(customers)],
            customer_id=customers[n % len(customers)],
            recipient_id=pk,
            due_on=now.date() - datetime.timedelta(days=n // len(customers)),
        )
        for n, (pk,) in enumerate(users)
    )
    # The SMTP server runs in a process of its own, as a real one would: in a thread of this
    # process it would take the GIL from the worker being measured.
    received = multiprocessing.Value("i", 0)
    stop = multiprocessing.Event()
    port = free_port()
    server = multiprocessing.Process(target=smtp_server, args=(port, received, stop))
    server.start()
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        with override_settings(
            EMAIL_BACKEND="core.mail.SMTPBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            started = time.perf_counter()
            schedule_digests(now)
            scheduled = time.perf_counter() - started
            ids = list(OutgoingEmail.objects.filter(kind="digest").values_list("pk", flat=True))
            started = time.perf_counter()
            # As the worker does: a task per batch, each batch over one SMTP connection.
            sent = sum(emails_send(batch) for batch in in_batches(ids))
            elapsed = time.perf_counter() - started
    finally:
        stop.set()
        server.join(timeout=10)
        User.objects.filter(username__startswith="bench-digest-").delete()
        Digest.objects.all().delete()
        OutgoingEmail.objects.filter(kind="digest").delete()
    return {
        "digest_count": sent,
        "digest_received_by_smtp": received.value,
        "digest_schedule_seconds": round(scheduled, 2),
        "digest_send_seconds": round(elapsed, 2),
        "digest_per_second_one_worker": round(sent / elapsed, 1),
    }


def job_import(rows):
    """A 100,000-row import in a child process: time, and the child's peak resident memory."""
    out = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "run.py"), "--import-child", str(rows)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    if out.returncode:
        sys.exit(f"The import child failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_child(rows):
    setup_django()
    from django.contrib.auth.models import Group, User

    from bench.import_customers import OWNERS, build_csv
    from customers import imports
    from customers.models import Customer, CustomerImport

    staff = Group.objects.get(name="Staff")
    for username in OWNERS:
        User.objects.get_or_create(username=username)[0].groups.add(staff)
    token = f"run-{os.getpid()}"
    text = build_csv(rows, token, seed=1)

    def rss():  # the process's peak resident memory so far, MB
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rss_before = rss()
    try:
        upload = CustomerImport.objects.create(
            filename="bench-run.csv", text=text, rows_total=imports.estimated_rows(text)
        )
        rss_saved = rss()
        started = time.perf_counter()
        assert imports.import_check(upload.pk) == CustomerImport.State.READY, upload.pk
        checked = time.perf_counter()
        rss_validated = rss()
        # What a manager's confirm does, without queueing the task this process runs itself.
        CustomerImport.objects.filter(pk=upload.pk).update(state=CustomerImport.State.IMPORTING)
        assert imports.import_run(upload.pk) == imports.Outcome.IMPORTED
        result = CustomerImport.objects.get(pk=upload.pk)
        finished = time.perf_counter()
        peak = rss()  # before the clean-up, whose deletes are the bench's, not the import's
    finally:
        Customer.objects.filter(unmet_wants__endswith=f"[bench {token}]").delete()
        Customer.history.filter(unmet_wants__endswith=f"[bench {token}]").delete()
        CustomerImport.objects.filter(filename="bench-run.csv").delete()
    print(
        json.dumps(
            {
                "import_rows": rows,
                "import_created": result.created_count,
                "import_csv_mb": round(len(text.encode()) / 1024 / 1024, 1),
                "import_validate_seconds": round(checked - started, 1),
                "import_write_seconds": round(finished - checked, 1),
                "import_seconds": round(finished - started, 1),
                "import_peak_rss_mb": round(peak),
                "import_rss_before_mb": round(rss_before),
                "import_rss_after_validate_mb": round(rss_validated),
                "import_rss_after_upload_saved_mb": round(rss_saved),
            }
        )
    )


def job_inbound(count):
    """``count`` realistic emails stored, then filed one after another in this process. Before
    the import: its 100,000 customers, deleted again, leave the customer table twice the size
    for a while, which is the import's trace, not mail's cost. Filing moves customers' last
    contact; bench/inbound.py puts it back on the way out, for the loyalty job after it."""
    from bench.inbound import measure

    return measure(count)


def job_announcements(count):
    """An announcement's audience previewed over every customer, then ``count`` of its emails
    queued and sent over SMTP by this process. After the inbound job and before the import, for
    the same reason as inbound: it gives customers wishes and consent and puts them back (and
    vacuums), so the import and the loyalty job after it see the seeded book."""
    from bench.announcements import measure

    return measure(count)


def job_insights():
    """Trend-spotting over the book, with nine weeks of what customers wrote and felt added
    for the run; its tables stay computed for the dashboard's cards."""
    from bench.insights import measure

    return measure()


def job_loyalty(sample):
    import random

    from django.db import connection

    from customers.models import Customer
    from voice.loyalty import loyalty_recompute

    total = Customer.objects.count()
    ids = list(Customer.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_id FROM interactions_interaction GROUP BY customer_id "
            "ORDER BY count(*) DESC LIMIT 10"
        )
        heavy = [row[0] for row in cursor.fetchall()]
    chosen = random.Random(9).sample(ids, min(sample, len(ids)))
    started = time.perf_counter()
    for pk in chosen:
        loyalty_recompute(pk)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    for pk in heavy:
        loyalty_recompute(pk)
    heavy_elapsed = time.perf_counter() - started
    per = elapsed / len(chosen)
    return {
        "loyalty_sample_customers": len(chosen),
        "loyalty_sample_seconds": round(elapsed, 2),
        "loyalty_ms_per_customer": round(per * 1000, 2),
        "loyalty_busiest_ms_per_customer": round(heavy_elapsed / len(heavy) * 1000, 1),
        "loyalty_all_customers": total,
        "loyalty_all_extrapolated_seconds": round(per * total, 0),
    }


# Report --------------------------------------------------------------------------------------
def verdict(ok):
    return "yes" if ok else "**no**"


def markdown(results):
    pages, lines = results["pages"], []
    scale = results["scale"]
    rounds = results.get("latency_rounds")
    rounds = f", in {rounds} rounds over every page and floor" if rounds else ""
    intro = (
        f"Run {results['date']} at SCALE={scale} ({results['counts']['customers']:,} customers, "
        f"{results['counts']['interactions']:,} interactions) on {results['machine']}; "
        f"gunicorn 2 workers, DEBUG off; p50/p95 from {results['requests_per_page']} sequential "
        f"requests a page{rounds}, req/s from 2 concurrent connections for "
        f"{results['seconds_per_page']} s. "
        f"Load average (1 min) {results.get('load_average_before_pages', '?')} before the "
        f"page runs, {results.get('load_average_after_pages', '?')} after: above 2 means "
        "other work shared the "
        "2 cores and the latencies are inflated."
    )
    lines += [
        textwrap.fill(intro, width=100, break_on_hyphens=False),
        "",
        "| page | p50 ms | p95 ms | req/s | queries | floor p95 ms | × floor | p95 target "
        f"| ≤ {FLOOR_RATIO}× floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, page in pages.items():
        target = TARGETS.get(name)
        fast = f"< {target} ms: {verdict(page['p95_ms'] < target)}" if target else "-"
        lines.append(
            f"| {name} | {page['p50_ms']} | {page['p95_ms']} | {page['rps']} | "
            f"{page['queries']} | {page['floor_p95_ms']} | {page['floor_ratio']} | {fast} | "
            f"{verdict(page['floor_ratio'] <= FLOOR_RATIO)} |"
        )
    if results.get("api"):
        lines += [
            "",
            "| API endpoint | p50 ms | p95 ms | req/s | queries | p95 target |",
            "|---|---|---|---|---|---|",
        ]
        for name, endpoint in results["api"].items():
            lines.append(
                f"| {name} (`{endpoint['url']}`) | {endpoint['p50_ms']} | {endpoint['p95_ms']} | "
                f"{endpoint['rps']} | {endpoint['queries']} | < {API_TARGET_MS} ms: "
                f"{verdict(endpoint['p95_ms'] < API_TARGET_MS)} |"
            )
    jobs = results["jobs"]
    lines += ["", "| job | figure | target | met |", "|---|---|---|---|"]
    rows = []
    if results["seed_seconds"] is not None:
        seconds = results["seed_seconds"]
        rows.append(("seed (COPY, migrate excluded)", f"{seconds} s", "< 180 s", seconds < 180))
    if "plan_seconds" in jobs:
        rows.append(
            (
                "plan reminders",
                f"{jobs['plan_seconds']} s ({jobs['plan_created']:,} created; rerun "
                f"{jobs['plan_rerun_seconds']} s, {jobs['plan_rerun_created']} created)",
                "< 5 s",
                jobs["plan_seconds"] < 5,
            )
        )
    if "at_risk_score_seconds" in jobs:
        rows.append(
            (
                "score the dashboard's at-risk candidates (a visit, once every 3 minutes)",
                f"{jobs['at_risk_score_seconds']} s (median of 5; {jobs['at_risk_rows']} worst)",
                "(none set)",
                None,
            )
        )
    if "insights_seconds" in jobs:
        rows.append(
            (
                f"compute themes and trends over {jobs['insights_interactions']:,} interactions",
                f"{jobs['insights_seconds']} s ({jobs['insights_texts']:,} texts, "
                f"{jobs['insights_moods']:,} moods, {jobs['insights_caused']:,} causes; "
                f"{jobs['insights_theme_rows']:,} theme counts; rising: "
                f"{', '.join(jobs['insights_rising']) or 'none'})",
                "< 60 s",
                jobs["insights_seconds"] < 60,
            )
        )
    if "digest_per_second_one_worker" in jobs:
        rows.append(
            (
                "send digests (SMTP, 1 worker)",
                f"{jobs['digest_per_second_one_worker']}/s ({jobs['digest_count']:,} in "
                f"{jobs['digest_send_seconds']} s)",
                "≥ 100/s",
                jobs["digest_per_second_one_worker"] >= 100,
            )
        )
    if "inbound_per_second_one_worker" in jobs:
        states = jobs["inbound_states"]
        rows.append(
            (
                "file inbound email (parse, match, log, thread; 1 worker)",
                f"{jobs['inbound_per_second_one_worker']}/s ({jobs['inbound_messages']:,} in "
                f"{jobs['inbound_process_seconds']} s, {jobs['inbound_queries_per_message']} "
                f"queries and {jobs['inbound_sql_ms_per_message']} ms of SQL a message; "
                f"{states['filed']:,} filed, {states['unmatched']:,} unmatched, "
                f"{states['ignored']:,} ignored, {states['failed']} failed; storing "
                f"{jobs['inbound_store_per_second']}/s)",
                "≥ 100/s",
                jobs["inbound_per_second_one_worker"] >= 100,
            )
        )
    if "announce_preview_seconds" in jobs:
        previews, indexes = jobs["announce_previews"], jobs["announce_wish_indexes_read"]
        slowest = max(preview["seconds"] for preview in previews.values())
        rows.append(
            (
                f'announcement audience, wishes "Saturday opening" matched over '
                f"{jobs['announce_customers']:,} customers",
                f"{jobs['announce_preview_seconds']} s (median of 5; marketing "
                f"{previews['marketing']['seconds']} s, only the wishers "
                f"{previews['service_only_wishers']['seconds']} s; "
                f"{previews['service']['matched_total']:,} wishers; GIN indexes read: "
                f"{verdict(all(indexes.values()))}); fixing {jobs['announce_recipients']:,} "
                f"recipients {jobs['announce_fix_seconds']} s",
                "< 1 s",
                slowest < 1,
            )
        )
    if "announce_per_second_one_worker" in jobs:
        rows.append(
            (
                "send an announcement (render, queue, SMTP; 1 worker)",
                f"{jobs['announce_per_second_one_worker']}/s ({jobs['announce_recipients']:,} "
                f"in {jobs['announce_queue_seconds']} s queueing + "
                f"{jobs['announce_send_seconds']} s sending)",
                "≥ 200/s",
                jobs["announce_per_second_one_worker"] >= 200,
            )
        )
    if "import_seconds" in jobs:
        rows.append(
            (
                f"import {jobs['import_rows']:,} CSV rows",
                f"{jobs['import_seconds']} s (check {jobs['import_validate_seconds']} s, write "
                f"{jobs['import_write_seconds']} s), peak RSS {jobs['import_peak_rss_mb']:.0f} MB "
                f"(Django + the CSV text {jobs['import_rss_before_mb']:.0f} MB, after saving "
                f"the upload {jobs.get('import_rss_after_upload_saved_mb', '?')} MB, after check "
                f"{jobs.get('import_rss_after_validate_mb', '?')} MB)",
                "< 60 s, < 300 MB",
                jobs["import_seconds"] < 60 and jobs["import_peak_rss_mb"] < 300,
            )
        )
    if "loyalty_ms_per_customer" in jobs:
        rows.append(
            (
                "recompute every loyalty score",
                f"{jobs['loyalty_ms_per_customer']} ms/customer over a random sample of "
                f"{jobs['loyalty_sample_customers']:,}; **extrapolated** to "
                f"{jobs['loyalty_all_customers']:,}: {jobs['loyalty_all_extrapolated_seconds']:.0f}"
                f" s; busiest customers {jobs['loyalty_busiest_ms_per_customer']} ms each",
                "(none set)",
                None,
            )
        )
    for name, figure, target, ok in rows:
        lines.append(f"| {name} | {figure} | {target} | {'-' if ok is None else verdict(ok)} |")
    lines += ["", f"Whole run (seed, pages, jobs): {results['total_seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


def scaling_section() -> list[str]:
    """The newest comparison of SCALE=1 with SCALE=3 (bench/scaling.py), if there is one."""
    runs = sorted(RESULTS.glob("scaling-*.md"))
    if not runs:
        return []
    table = runs[-1].read_text().split("\n", 2)[2]
    section = ["How the figures grow (`bench/scaling.py`):\n", table]
    # Only loads taken since that comparison: an older one ran other code, maybe on another host.
    since = runs[-1].name.removeprefix("scaling-")
    interleaved = [
        path
        for path in sorted(RESULTS.glob("interleaved-*.md"))
        if path.name.removeprefix("interleaved-") >= since
    ]
    if interleaved:
        section += [
            "The same two databases loaded in turn (`bench/interleave.py`), so that the host's "
            "drift\nbetween two runs does not pass for growth:\n",
            interleaved[-1].read_text().split("\n", 2)[2],
        ]
    return section


def update_readme(table):
    """Replace the README's "## Benchmarks" section with how to run it and this table."""

    def para(text):
        return textwrap.fill(text, width=100, break_on_hyphens=False) + "\n"

    readme = ROOT / "README.md"
    text = readme.read_text()
    start = text.index("## Benchmarks\n")
    end = text.index("\n## ", start + 1)
    section = "\n".join(
        [
            "## Benchmarks\n",
            para(
                "`make bench` measures Rapport on a PostgreSQL database of its own: it creates "
                "`BENCH_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/rapport_bench`)"
                " if missing, installs the `bench` extra, seeds it with COPY (`SCALE=1`: 20 staff,"
                " 100,000 customers, 1,000,000 interactions, 5,000 follow-ups, 2,000 complaints; "
                "`SCALE=0.02`, `SCALE=0.1` or `SCALE=3` scale everything), checks after a "
                "database-wide `VACUUM ANALYZE` that the search reads its trigram indexes (and "
                "stops if it does not), serves the pages with gunicorn (2 "
                "workers, DEBUG off, `bench/settings.py`), loads each from a separate process "
                "(`bench/load.py`) as the manager `bench-staff-0`, compares it with its floor (a "
                "bare view replaying the page's own SQL without ORM, forms or templates: "
                "`/__floor__/<page>/` in `bench/urls.py`; pages and floors are timed in ten "
                "rounds over them all, so a host's drift slows each alike), times the jobs, "
                "and writes "
                "`bench/results/<date>.json` and `.md` and the table below. Everything in that "
                "database is replaced."
            ),
            "```sh",
            "make bench                      # SCALE=1, about 7 minutes",
            "make bench SCALE=0.1            # a quick look",
            "make bench BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/other_db",
            "```\n",
            para(
                "`make load` runs 50 people (`USERS`) using Rapport at once for 60 s "
                "(`DURATION`) against the same gunicorn, on a small database of its own "
                "(`LOAD_DATABASE_URL`): each logs in through the login form and mixes page views "
                "with logging interactions, adding follow-ups and customers through the real "
                "forms (`bench/soak.py`). It fails on any error or if any write the users were "
                "told succeeded is not in the database exactly once, and writes "
                "`bench/results/load-<date>.json`."
            ),
            para(
                "What the latest runs found, what was fixed and what is still missed, with "
                "profiles: [bench/FINDINGS.md](bench/FINDINGS.md)."
            ),
            para(
                "`bench/profile_page.py <url>` shows where one page's time goes (SQL against "
                "the rest, cProfile). The single scripts still run on their own with "
                "`DATABASE_URL` set: `bench/seed.py`, `bench/dashboard.py`, "
                "`bench/import_customers.py --rows 10000`, `bench/plan_reminders.py`, "
                "`bench/inbound.py` (on a seeded database; `--profile 30` shows where filing's "
                "time goes), `bench/announcements.py` (likewise; `--profile 30`). After a "
                "SCALE=1 and a SCALE=3 run, `bench/scaling.py <one.json> <three.json>` compares "
                "them and `bench/interleave.py <url of one> <url of three>` loads both in turn."
            ),
            "Latest run:\n",
            table,
            *scaling_section(),
            '`make test PYTEST_ARGS="-k customers -x"` passes arguments to pytest. '
            "`make lint` runs ruff;\n`make migrations-check` fails when a model change lacks "
            "its migration.\n",
        ]
    )
    readme.write_text(text[:start] + section + text[end:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", 1)))
    parser.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", 100)))
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--digests", type=int, default=5000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--loyalty-sample", type=int, default=2000)
    parser.add_argument("--inbound-messages", type=int, default=10_000)
    parser.add_argument("--announcement-recipients", type=int, default=10_000)
    parser.add_argument("--no-seed", action="store_true", help="reuse the data already seeded")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--import-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = database_url
    if args.import_child:
        return import_child(args.import_child)

    run_started = time.perf_counter()
    ensure_database(database_url)
    seed_info = {}
    if not args.no_seed:
        log(f"seeding at SCALE={args.scale}")
        seed_info = seed_database(args.scale)
    setup_django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        customers = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM interactions_interaction")
        interactions = cursor.fetchone()[0]
        urls = page_urls(cursor)
        api = api_requests(cursor)
    token = api_token()
    jobs = {}
    log("computing insights (the dashboard's trend cards read them)")
    jobs.update(job_insights())
    log("scoring the at-risk candidates")
    jobs.update(job_at_risk())
    with tempfile.TemporaryDirectory() as tmp:
        floor_file = Path(tmp) / "floor.json"
        log("capturing queries")
        counts, baseline = capture_queries(urls, floor_file)
        api_counts = api_queries(api, token)
        log("checking the search's plan after VACUUM ANALYZE")
        plans = search_plans(json.loads(floor_file.read_text())["search"], customers)
        connection.close()
        log("loading pages through gunicorn")
        load_before = os.getloadavg()[0]
        loaded = load_pages(urls, database_url, floor_file, args, api=api, token=token)
        # Other work on the machine skews latencies: the 1-minute load average says how much.
        load_after = os.getloadavg()[0]
    pages = {}
    for name, url in urls.items():
        page, floor = loaded[name], loaded[f"floor_{name}"]
        pages[name] = {
            "url": url,
            **page,
            "queries": counts[name],
            "floor_p50_ms": floor["p50_ms"],
            "floor_p95_ms": floor["p95_ms"],
            "floor_rps": floor["rps"],
            "floor_ratio": round(page["p95_ms"] / floor["p95_ms"], 2),
        }
        log(f"{name}: {pages[name]}")
    endpoints = {}
    for name, spec in api.items():
        path = spec if isinstance(spec, str) else f"{spec['method']} {spec['path']}"
        endpoints[name] = {"url": path, **loaded[name], "queries": api_counts[name]}
        log(f"{name}: {endpoints[name]}")

    log("planning reminders")
    jobs.update(job_plan())
    log(f"sending {args.digests} digests")
    jobs.update(job_digests(args.digests))
    log(f"filing {args.inbound_messages} inbound emails")
    jobs.update(job_inbound(args.inbound_messages))
    log(f"previewing and sending an announcement to {args.announcement_recipients}")
    jobs.update(job_announcements(args.announcement_recipients))
    log(f"importing {args.import_rows} rows")
    jobs.update(job_import(args.import_rows))
    log("recomputing loyalty")
    jobs.update(job_loyalty(args.loyalty_sample))
    log(json.dumps(jobs))

    date = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")
    results = {
        "date": date,
        "scale": args.scale,
        "machine": f"{os.cpu_count()} cores, {socket.gethostname()}",
        "database": urllib.parse.urlparse(database_url).path.lstrip("/"),
        "counts": {"customers": customers, "interactions": interactions},
        "seed_seconds": seed_info.get("seed_seconds"),
        "requests_per_page": args.requests,
        "latency_rounds": LATENCY_ROUNDS,
        "seconds_per_page": args.seconds,
        "floor_baseline_queries": baseline,
        "load_average_before_pages": round(load_before, 2),
        "load_average_after_pages": round(load_after, 2),
        "pages": pages,
        "api": endpoints,
        "jobs": jobs,
        "search_reads_trigram_indexes": bool(plans) or None,
        "targets": {
            "p95_ms": TARGETS,
            "api_p95_ms": API_TARGET_MS,
            "floor_ratio_max": FLOOR_RATIO,
            "plan_seconds_max": 5,
            "digest_per_second_min": 100,
            "inbound_per_second_min": 100,
            "announcement_audience_seconds_max": 1,
            "announcement_per_second_min": 200,
            "import_seconds_max": 60,
            "import_peak_mb_max": 300,
            "seed_seconds_max": 180,
        },
    }
    results["total_seconds"] = round(time.perf_counter() - run_started, 0)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{date}.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (RESULTS / f"{date}.md").write_text(f"# Rapport benchmark {date}\n\n{table}")
    if not args.no_readme:
        update_readme(table)
    print(table)


if __name__ == "__main__":
    main()
