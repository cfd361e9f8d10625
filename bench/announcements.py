"""Announcements: the audience with its wishes matched over the whole book, fixing it for 10,000
recipients, and their emails handed to the outbox and sent over SMTP by one worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/announcements.py --recipients 10000

Needs a database seeded by bench/seed.py: its customers are the audience, its manager
(bench-staff-0) writes the announcements (run alone, it migrates the database first).
The seeded book has no unmet wants and no surveys, and nobody agreed to marketing email, so
first a quarter of the customers are given an unmet want (3% of the book ask, in their own
words, for opening on Saturdays; the rest want other things, some of them on Saturdays but not
opening), 5,000 customers an answered survey (a tenth of the wishes about Saturday opening) and
40% of them marketing consent; VACUUM ANALYZE then leaves the text-search indexes as
autovacuum would.

Times audience.preview (what the compose page shows: counts, reasons left out, 20 matched
wishes quoted and their total) for "Saturday opening" over every live customer, for a service
notice, for marketing, and for a service notice to the wishers only: the median of 5 runs after
a first one. Then a service notice with those wishes to the 10,000 customers of a tag of its
own: services.announcement_send (the recipient rows and their quoted wishes), then, as one
worker would, sending.announcements_send_due (emails rendered and queued, the rate set out of
the way) and the outbox's emails_send, 50 emails a connection, to a local aiosmtpd server in a
process of its own. Prints one JSON line.
Deletes what it created on the way out (announcements and their audit trail, recipients,
emails, surveys, the tag) and puts back the customers it changed, so the other figures of the
bench see the seeded book. The tasks that sending enqueues go to an in-memory broker; no worker
runs them. ``--profile N`` prints cProfile's N costliest functions of the preview, of the
queueing and of the sending to stderr.
"""

import argparse
import collections
import contextlib
import cProfile
import datetime
import io
import json
import multiprocessing
import os
import pstats
import random
import socket
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ["CELERY_RESULT_BACKEND"] = "cache+memory://"

MANAGER = "bench-staff-0"
WISHES = "Saturday opening"
# Unmet wants as people write them: those that match WISHES ("saturday" and "open", stemmed)...
ASKING = [
    "Would love you to open on Saturdays, weekdays are impossible for us.",
    "Saturday opening, even just the morning.",
    "Please consider opening Saturdays - our site works weekends.",
    "Longer opening hours, ideally Saturday too.",
    "Could the showroom open on a Saturday once a month?",
    "We need someone to be open Saturday mornings for collections.",
]
# ... and those that do not, some of them close (Saturday but not opening, opening but not
# Saturday).
OTHER = [
    "Saturday delivery would help.",
    "Later opening on Thursdays.",
    "Cheaper parking near the shop.",
    "A loyalty card for repeat orders.",
    "Invoices by email rather than post.",
    "Faster replies on the phone line.",
    "Bulk discounts above 50 units.",
    "A portal to track orders online.",
    "Someone who speaks Polish on the support line.",
    "Next-day delivery to Scotland.",
    "Open an account without a credit check.",
    "Weekend support for urgent breakdowns.",
]
WANT_EVERY = 4  # one customer in WANT_EVERY has an unmet want
ASKING_PERCENT = 3  # of the book, asking for Saturday opening
CONSENT_PERCENT = 40  # of the book, agreed to marketing email
SURVEYS = 5_000
PREVIEW_RUNS = 5
WISH_INDEXES = ("customer_unmet_wants_fts", "survey_wish_fts")
# Higher than any number of emails the bench sends: the rate is the product's brake, not a cost.
UNLIMITED_RATE = 10**9


# Setting the book up, and leaving it as it was -----------------------------------------------
def _created_tables():
    """The models whose rows the job adds, directly or through what it calls, children first."""
    from announcements.models import Announcement, Recipient
    from core.models import OutgoingEmail
    from customers.models import Customer, Tag
    from interactions.models import Interaction
    from voice.models import Survey

    audit = getattr(Announcement, "history", None)  # the audit trail, where there is one
    return [
        Recipient,
        *([audit.model] if audit else []),
        Announcement,
        OutgoingEmail,
        Survey,
        Customer.tags.through,
        Tag,
        Interaction,
        Interaction.history.model,
        Customer.history.model,
    ]


class Book:
    """The last id of every table the job adds to; ``set_up`` gives the seeded customers unmet
    wants, surveys and marketing consent, and a tag to ``tagged`` of them; ``restore`` deletes
    every row added since and puts back the customers' own columns as they were."""

    TABLE = "bench_announce_kept"

    def __init__(self):
        from django.db import connection

        self.last = {}
        with connection.cursor() as cursor:
            for model in _created_tables():
                table, pk = model._meta.db_table, model._meta.pk.column
                cursor.execute(f"SELECT coalesce(max({pk}), 0) FROM {table}")
                self.last[model] = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
        self.kept = False

    def set_up(self, rng: random.Random, tagged: int, token: str) -> None:
        from django.db import connection

        from customers.models import Customer, Tag
        from voice.models import Survey

        ids = list(Customer.objects.live().order_by("pk").values_list("pk", flat=True))
        want_ids = ids[::WANT_EVERY]
        asking = set(rng.sample(want_ids, min(len(want_ids), len(ids) * ASKING_PERCENT // 100)))
        wants = {pk: rng.choice(ASKING) if pk in asking else rng.choice(OTHER) for pk in want_ids}
        consenting = set(rng.sample(ids, len(ids) * CONSENT_PERCENT // 100))
        touched = sorted(set(wants) | consenting)
        now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
        with connection.cursor() as django_cursor:
            cursor = django_cursor.connection.cursor()
            cursor.execute(
                f"CREATE TEMP TABLE {self.TABLE} AS SELECT id, unmet_wants, marketing_consent_at,"
                " marketing_consent_source FROM customers_customer WHERE id = ANY(%s)",
                [touched],
            )
            self.kept = True
            cursor.execute(
                "CREATE TEMP TABLE bench_announce_new (id bigint, unmet_wants text, "
                "marketing_consent_at timestamptz)"
            )
            with cursor.copy("COPY bench_announce_new FROM STDIN") as copy:
                for pk in touched:
                    copy.write_row((pk, wants.get(pk), now if pk in consenting else None))
            cursor.execute(
                "UPDATE customers_customer c SET "
                "unmet_wants = coalesce(n.unmet_wants, c.unmet_wants), "
                "marketing_consent_at = coalesce(n.marketing_consent_at, c.marketing_consent_at),"
                " marketing_consent_source = CASE WHEN n.marketing_consent_at IS NULL "
                "THEN c.marketing_consent_source ELSE 'import' END "
                "FROM bench_announce_new n WHERE c.id = n.id"
            )
            cursor.execute("DROP TABLE bench_announce_new")

        surveyed = rng.sample(ids, min(SURVEYS, len(ids)))
        answered = time.time()
        Survey.objects.bulk_create(
            Survey(
                customer_id=pk,
                reason=Survey.Reason.PERIODIC,
                state=Survey.State.SENT,
                created_at=_ago(answered, days=302),
                sent_at=_ago(answered, days=301),
                answered_at=_ago(answered, days=rng.randint(1, 300)),
                satisfaction=rng.randint(1, 5),
                recommend=rng.randint(0, 10),
                unmet_want=(
                    rng.choice(ASKING)
                    if n % 10 == 0
                    else rng.choice(OTHER)
                    if n % 3
                    else ""  # many leave it blank
                ),
            )
            for n, pk in enumerate(surveyed)
        )
        self.asking = len(asking)
        self.wants = len(wants)
        self.consenting = len(consenting)
        self.surveys = len(surveyed)

        self.tag = Tag.objects.create(name=f"bench {token}"[:50])
        step = max(len(ids) // tagged, 1)
        self.tagged = ids[::step][:tagged]
        Customer.tags.through.objects.bulk_create(
            Customer.tags.through(customer_id=pk, tag_id=self.tag.pk) for pk in self.tagged
        )
        vacuum()

    def created(self, model):
        return model._default_manager.filter(pk__gt=self.last[model])

    def restore(self):
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            for model in _created_tables():
                cursor.execute(
                    f"DELETE FROM {model._meta.db_table} WHERE {model._meta.pk.column} > %s",
                    [self.last[model]],
                )
            if self.kept:
                cursor.execute(
                    "UPDATE customers_customer c SET unmet_wants = k.unmet_wants, "
                    "marketing_consent_at = k.marketing_consent_at, "
                    "marketing_consent_source = k.marketing_consent_source "
                    f"FROM {self.TABLE} k WHERE c.id = k.id"
                )
            cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
            cursor.execute("DROP TABLE IF EXISTS bench_announce_new")
        vacuum()


def _ago(epoch: float, *, days: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(epoch - days * 86400, datetime.UTC)


def vacuum():
    """What autovacuum would have done by now to the tables the job reads and writes: the text
    search's GIN indexes take in their pending entries, and the planner sees the new rows."""
    from django.db import connection

    from announcements.models import Announcement, Recipient
    from core.models import OutgoingEmail
    from customers.models import Customer
    from voice.models import Survey

    with connection.cursor() as cursor:
        tables = (Customer, Customer.tags.through, Survey, Announcement, Recipient, OutgoingEmail)
        for model in tables:
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


# The measure ---------------------------------------------------------------------------------
class Meter:
    """Counts the SQL statements and the time spent waiting for their answers, and times the
    ``steps`` (module, attribute, name) while measuring; nested steps count in both."""

    def __init__(self, steps=()):
        self.queries, self.seconds = 0, 0.0
        self.steps = steps
        self.step_seconds: collections.Counter = collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started

    def timed(self, step, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.step_seconds[step] += time.perf_counter() - started

        return wrapper

    def ms_each(self, count) -> dict[str, float]:
        return {
            step: round(self.step_seconds[step] / count * 1000, 2)
            for step in ["SQL statements", *(name for _m, _a, name in self.steps), "commit"]
        }


# The steps of the sending, by the names the code calls.
QUEUE_STEPS = [
    ("announcements.sending", "announcement_email", "render an email"),
    ("announcements.emails", "body_html", "of which the body to HTML (Markdown, nh3)"),
    ("announcements.sending", "emails_queue", "insert the emails (bulk_create)"),
    ("django.db.models.query.QuerySet", "bulk_update", "mark the recipients (bulk_update)"),
]
SEND_STEPS = [
    ("core.outbox.delivery", "_claim", "claim (UPDATE … RETURNING)"),
    ("core.outbox.delivery", "_deliver", "deliver (build, SMTP, record)"),
    ("django.core.mail.message.EmailMessage", "message", "of which build the MIME message"),
    ("core.mail.SMTPBackend", "send_messages", "of which serialise and send over SMTP"),
    ("core.outbox.delivery", "_settle", "of which record the outcome"),
]


@contextlib.contextmanager
def measuring(profiler=None, steps=()):
    """A Meter on every statement, commit and step, and ``profiler`` enabled, for the block."""
    import importlib

    from django.db import connection

    meter = Meter(steps)
    with contextlib.ExitStack() as stack:
        stack.enter_context(connection.execute_wrapper(meter))
        for path, name, step in steps:
            module, _, owner = path.rpartition(".")
            try:
                target = importlib.import_module(path)
            except ImportError:
                target = getattr(importlib.import_module(module), owner)
            original = getattr(target, name, None)
            if original is None:  # renamed since: that step goes untimed, not the bench
                continue
            stack.enter_context(mock.patch.object(target, name, meter.timed(step, original)))
        stack.enter_context(
            mock.patch.object(connection, "_commit", meter.timed("commit", connection._commit))
        )
        if profiler:
            profiler.enable()
        try:
            yield meter
        finally:
            if profiler:
                profiler.disable()
            meter.step_seconds["SQL statements"] = meter.seconds


def draft(manager, **fields):
    from announcements import services
    from announcements.models import Announcement

    fields = {
        "subject": "Now open on Saturdays",
        "body": (
            "From next month our showroom is open on **Saturdays, 9 to 1**.\n\n"
            "- Collections and returns\n- Advice on your next order\n\n"
            "Book a time at https://ourshop.example/saturdays or just drop in."
        ),
        "wishes": WISHES,
        **fields,
    }
    return services.announcement_save(Announcement(created_by=manager), **fields)


def time_preview(announcement, profiler=None) -> dict:
    """The first run, then the median of PREVIEW_RUNS, of audience.preview."""
    from announcements import audience

    timings = []
    for _ in range(1 + PREVIEW_RUNS):
        with measuring(profiler if timings else None) as meter:
            started = time.perf_counter()
            preview = audience.preview(announcement)
            timings.append(time.perf_counter() - started)
    return {
        "first_seconds": round(timings[0], 3),
        "seconds": round(statistics.median(timings[1:]), 3),
        "sql_seconds": round(meter.seconds, 3),
        "queries": meter.queries,
        "to_send": preview["to_send"],
        "matched_total": preview["matched_total"],
        "quoted": sum(1 for _pk, _name, wish in preview["matched"] if wish),
    }


def wish_plans(announcement) -> dict[str, bool]:
    """Whether the preview's wish matching reads each GIN index (EXPLAIN of its statements)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from announcements import audience

    with CaptureQueriesContext(connection) as queries:
        audience.preview(announcement)
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if "to_tsvector" in query["sql"]:
                cursor.execute(f"EXPLAIN {query['sql']}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return {index: any(index in plan for plan in plans) for index in WISH_INDEXES}


@contextlib.contextmanager
def smtp_server():
    """A local aiosmtpd server in a process of its own, as a real one would be (in a thread of
    this one it would take the GIL from the worker measured): yields its port and its count."""
    from bench.run import free_port, smtp_server

    received = multiprocessing.Value("i", 0)
    stop = multiprocessing.Event()
    port = free_port()
    server = multiprocessing.Process(target=smtp_server, args=(port, received, stop))
    server.start()
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port, received
    finally:
        stop.set()
        server.join(timeout=10)


def measure(recipients: int = 10_000, seed: int = 1, profile: int = 0) -> dict:
    """Set the book up, time the previews, the send and the sending; the figures."""
    from django.contrib.auth.models import User
    from django.test.utils import override_settings

    from announcements import sending, services
    from announcements.models import Announcement, Recipient
    from core.models import OutgoingEmail
    from core.outbox.delivery import emails_send, in_batches

    load_before = os.getloadavg()[0]
    rng = random.Random(seed)
    token = f"announce-{os.getpid()}-{time.time_ns():x}"
    manager = User.objects.get(username=MANAGER)
    book = Book()
    profilers = {
        name: cProfile.Profile() if profile else None
        for name in (
            "audience.preview (service notice, every live customer)",
            "announcements_send_due (render and queue)",
            "emails_send (claim, send over SMTP, record)",
        )
    }
    preview_profiler, queue_profiler, send_profiler = profilers.values()
    try:
        started = time.perf_counter()
        book.set_up(rng, recipients, token)
        setup_seconds = time.perf_counter() - started
        previews = {
            "service": time_preview(draft(manager), preview_profiler),
            "marketing": time_preview(draft(manager, kind=Announcement.Kind.MARKETING)),
            "service_only_wishers": time_preview(draft(manager, only_wishers=True)),
        }
        plans = wish_plans(draft(manager))

        announcement = draft(manager, audience={"tag": str(book.tag.pk)})
        with measuring() as fixing:
            started = time.perf_counter()
            fixed = services.announcement_send(announcement)
            fix_seconds = time.perf_counter() - started
        wishes_quoted = announcement.recipients.exclude(wish="").count()

        with (
            smtp_server() as (port, received),
            override_settings(
                ANNOUNCEMENT_RATE_PER_MINUTE=UNLIMITED_RATE,
                EMAIL_BACKEND="core.mail.SMTPBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=port,
                EMAIL_USE_TLS=False,
                EMAIL_HOST_USER="",
                EMAIL_HOST_PASSWORD="",
            ),
        ):
            with measuring(queue_profiler, QUEUE_STEPS) as queueing:
                started = time.perf_counter()
                queued = sending.announcements_send_due()
                queue_seconds = time.perf_counter() - started
            ids = list(
                announcement.recipients.filter(email__isnull=False)
                .order_by("email_id")
                .values_list("email_id", flat=True)
            )
            with measuring(send_profiler, SEND_STEPS) as delivering:
                started = time.perf_counter()
                # As the workers do: a task a batch, each batch over one SMTP connection.
                sent = sum(emails_send(batch) for batch in in_batches(ids))
                send_seconds = time.perf_counter() - started
            load_after = os.getloadavg()[0]
        delivered = received.value
        state = Announcement.objects.get(pk=announcement.pk).state
        skipped = announcement.recipients.filter(state=Recipient.State.SKIPPED).count()
        unsent = OutgoingEmail.objects.filter(pk__in=ids).exclude(state="sent").count()
    finally:
        started = time.perf_counter()
        book.restore()
        restore_seconds = time.perf_counter() - started

    if profile:
        for title, profiler in profilers.items():
            report(title, profiler, profile)
    if not (len(book.tagged) == fixed == queued == sent == delivered) or unsent:
        sys.exit(
            f"bench/announcements.py: {len(book.tagged)} recipients expected (the tag's "
            f"customers, all of them reachable in the seeded book); {fixed} fixed, {queued} "
            f"queued, {sent} sent, {delivered} received by SMTP, {skipped} skipped, {unsent} "
            f"emails not sent; the announcement is {state}"
        )
    total = queue_seconds + send_seconds
    return {
        "announce_customers": previews["service"]["to_send"],
        "announce_wants": book.wants,
        "announce_asking": book.asking,
        "announce_surveys": book.surveys,
        "announce_consenting": book.consenting,
        "announce_under_profiler": bool(profile),
        "announce_preview_seconds": previews["service"]["seconds"],
        "announce_previews": previews,
        "announce_wish_indexes_read": plans,
        "announce_recipients": fixed,
        "announce_wishes_quoted": wishes_quoted,
        "announce_fix_seconds": round(fix_seconds, 2),
        "announce_fix_queries": fixing.queries,
        "announce_queue_seconds": round(queue_seconds, 2),
        "announce_queue_queries_per_email": round(queueing.queries / queued, 2),
        "announce_queue_sql_ms_per_email": round(queueing.seconds / queued * 1000, 2),
        "announce_send_seconds": round(send_seconds, 2),
        "announce_send_queries_per_email": round(delivering.queries / sent, 2),
        "announce_send_sql_ms_per_email": round(delivering.seconds / sent * 1000, 2),
        "announce_ms_per_email_by_step": {
            "queue": queueing.ms_each(queued),
            "send": delivering.ms_each(sent),
        },
        "announce_received_by_smtp": delivered,
        "announce_per_second_one_worker": round(sent / total, 1),
        "announce_state": state,
        # Other work on the host slows the figures: above the number of cores, by much.
        "announce_load_average": [round(load_before, 2), round(load_after, 2)],
        "announce_setup_seconds": round(setup_seconds, 1),
        "announce_restore_seconds": round(restore_seconds, 1),
    }


def report(title, profiler, top):
    """cProfile's costliest functions, to stderr."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(f"=== {title} ===\n{out.getvalue()}", file=sys.stderr)
    print(
        "(Figures taken under cProfile, which slows Python down; run without --profile to "
        "measure.)",
        file=sys.stderr,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    from bench.standalone import django_on_postgres

    django_on_postgres()
    print(json.dumps(measure(args.recipients, args.seed, args.profile)))


if __name__ == "__main__":
    main()
