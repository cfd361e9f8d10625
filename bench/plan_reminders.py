"""How long reminder planning takes on PostgreSQL, and that it follows what is due, not the book.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/plan_reminders.py --customers 100000 --due 5000

Seeds --customers customers with COPY, of which --due have a check-in due today or overdue; the
rest are due within three months. Alongside, in proportion: follow-ups (a fifth of --due due by
today, one per twenty customers due later), complaints (one per fifty of --due within their
notice window or breached, one per five hundred customers with distant targets, as many again
resolved), birthdays and customer anniversaries (a tenth of --due each in the lookahead window,
the rest of the book outside it). Then times plan_reminders twice: the first run creates the
reminders, the second finds nothing new. It repeats the whole with a tenth as many due, on as
many customers, and prints one JSON line: the figures for --due, and both scales under
"scales". It migrates the database first and deletes everything it created, on the way out too.
Escalations that planning enqueues go to an in-memory broker, so no worker ever sees them.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ["CELERY_RESULT_BACKEND"] = "cache+memory://"

OWNER_PREFIX = "bench-plan-"
OWNERS = 20


def _rows(model, values, connection):
    """COPY columns and a row builder for ``model``: the given values, every other concrete
    field at its default, so a column added to the model later needs no change here."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = datetime.datetime.now(datetime.UTC)

    def build(given):
        row = []
        for field in fields:
            if field.attname in given:
                value = given[field.attname]
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            else:
                value = field.get_default()
            row.append(field.get_db_prep_save(value, connection))
        return row

    return [f.column for f in fields], (build(given) for given in values)


def _copy(cursor, model, values, connection):
    columns, rows = _rows(model, values, connection)
    table = model._meta.db_table
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _outside_window(today, lookahead, rng):
    """A day of the year more than ``lookahead`` days from today, in a past year."""
    day = today + datetime.timedelta(days=rng.randint(lookahead + 2, 360))
    year = today.year - rng.randint(1, 40)
    return _in_year(day, year)


def _inside_window(today, lookahead, rng, first_year):
    day = today + datetime.timedelta(days=rng.randint(0, lookahead))
    return _in_year(day, day.year - rng.randint(first_year, 40))


def _in_year(day, year):
    if (day.month, day.day) == (2, 29):
        day = day - datetime.timedelta(days=1)
    return day.replace(year=year)


def seed(customers, due, owners, rng):
    """Insert the book; returns how many of each thing is due for planning."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from customers.models import Customer
    from interactions.models import Complaint, FollowUp

    now = timezone.now()
    today = timezone.localdate(now)
    lookahead = settings.KEY_DATE_LOOKAHEAD_DAYS
    notice = datetime.timedelta(hours=settings.COMPLAINT_TARGET_NOTICE_HOURS)
    birthdays = anniversaries = due // 10

    def customer_rows():
        for n in range(customers):
            checkin = (
                today - datetime.timedelta(days=rng.randint(0, 60))
                if n < due
                else today + datetime.timedelta(days=rng.randint(1, 90))
            )
            # Spread the key dates over customers other than the first ones, so a customer
            # may have a check-in and a key date due, or either, or neither.
            k = (n * 7919) % customers
            if k < birthdays:
                birthday = _inside_window(today, lookahead, rng, first_year=18)
            elif n % 3:
                birthday = _outside_window(today, lookahead, rng)
            else:
                birthday = None
            if birthdays <= k < birthdays + anniversaries:
                since = _inside_window(today, lookahead, rng, first_year=1)
            else:
                since = _outside_window(today, lookahead, rng)
            yield {
                "name": f"Bench customer {n}",
                "company": f"Company {n % 5000}",
                "email": "",
                "customer_since": since,
                "owner_id": owners[n % len(owners)],
                "next_checkin_due": checkin,
                "birthday": birthday,
                "last_contact_at": now - datetime.timedelta(days=rng.randint(1, 90)),
            }

    with connection.cursor() as django_cursor:
        cursor = django_cursor.connection.cursor()
        _copy(cursor, Customer, customer_rows(), connection)
        ids = list(
            Customer.objects.filter(owner_id__in=owners)
            .order_by("pk")
            .values_list("pk", "owner_id")
        )

        follow_ups_due, follow_ups_later = due // 5, customers // 20

        def follow_up_rows():
            for n in range(follow_ups_due + follow_ups_later):
                customer_id, owner_id = ids[rng.randrange(len(ids))]
                days = -rng.randint(0, 20) if n < follow_ups_due else rng.randint(1, 30)
                yield {
                    "customer_id": customer_id,
                    "summary": f"Bench follow-up {n}",
                    "due_on": today + datetime.timedelta(days=days),
                    "assignee_id": owner_id,
                    "created_by_id": owner_id,
                }

        _copy(cursor, FollowUp, follow_up_rows(), connection)

        complaints_near, complaints_far = due // 50, customers // 500

        def complaint_rows():
            for n in range(complaints_near + 2 * complaints_far):
                customer_id, owner_id = ids[rng.randrange(len(ids))]
                row = {
                    "customer_id": customer_id,
                    "summary": f"Bench complaint {n}",
                    "severity": "normal",
                    "status": "open",
                    "assignee_id": owner_id,
                    "opened_by_id": owner_id,
                }
                if n < complaints_near:
                    # Half breached, half inside the notice window: both targets in play.
                    target = now + (notice / 2 if n % 2 else -notice / 2)
                    row.update(opened_at=target - notice, respond_by=target, resolve_by=target)
                else:
                    far = now + datetime.timedelta(days=rng.randint(10, 60))
                    row.update(opened_at=now, respond_by=far, resolve_by=far)
                    if n >= complaints_near + complaints_far:
                        past = now - datetime.timedelta(days=rng.randint(30, 300))
                        row.update(
                            opened_at=past,
                            respond_by=past,
                            resolve_by=past,
                            status="resolved",
                            first_response_at=past,
                            resolved_at=past,
                        )
                yield row

        _copy(cursor, Complaint, complaint_rows(), connection)
        # What autovacuum would have done by the next planning run: statistics for the new
        # rows, and no dead index entries left by an earlier run of this benchmark.
        for table in (
            "customers_customer",
            "interactions_followup",
            "interactions_complaint",
            "interactions_reminder",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {
        "check_ins": due,
        "follow_ups": follow_ups_due,
        "complaints": complaints_near,
        "birthdays": birthdays,
        "anniversaries": anniversaries,
    }


def clean_up(owners, first_reminder_id):
    """Delete what this run created: its reminders, and the bench owners' book."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM interactions_reminder WHERE id > %s", [first_reminder_id])
        for table, owner_column in (
            ("interactions_followup", "assignee_id"),
            ("interactions_complaint", "assignee_id"),
            ("customers_customer", "owner_id"),
        ):
            cursor.execute(f"DELETE FROM {table} WHERE {owner_column} = ANY(%s)", [owners])


def measure(customers, due, owners, rng):
    from django.db import connection
    from django.db.models import Max

    from interactions.models import Reminder
    from interactions.reminders.planning import plan_reminders

    first_reminder_id = Reminder.objects.aggregate(last=Max("pk"))["last"] or 0
    try:
        started = time.perf_counter()
        expected = seed(customers, due, owners, rng)
        seed_seconds = time.perf_counter() - started

        started = time.perf_counter()
        created = plan_reminders()
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = plan_reminders()
        second = time.perf_counter() - started
        in_table = Reminder.objects.filter(pk__gt=first_reminder_id).count()
    finally:
        clean_up(owners, first_reminder_id)
        connection.close()
    # Complaints in play have two targets each (response and resolution).
    wanted = sum(expected.values()) + expected["complaints"]
    return {
        "customers": customers,
        "due": due,
        "first_run_seconds": round(first, 3),
        "second_run_seconds": round(second, 3),
        "created": created,
        "created_in_table": in_table,
        "expected": wanted,
        "second_run_created": again,
        "seed_seconds": round(seed_seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not 0 < args.due <= args.customers:
        sys.exit("--due must be between 1 and --customers.")
    from bench.standalone import django_on_postgres

    django_on_postgres()
    from django.contrib.auth import get_user_model

    from customers.models import Customer

    User = get_user_model()
    made = []
    for n in range(OWNERS):
        user, created = User.objects.get_or_create(username=f"{OWNER_PREFIX}{n}")
        if created:
            made.append(user.pk)
    owners = list(
        User.objects.filter(username__startswith=OWNER_PREFIX).values_list("pk", flat=True)
    )
    others = Customer.objects.exclude(owner_id__in=owners).count()
    if others:
        print(
            f"Note: {others} other customers are in this database; planning covers them too.",
            file=sys.stderr,
        )
    rng = random.Random(args.seed)
    try:
        scales = [
            measure(args.customers, args.due, owners, rng),
            measure(args.customers, max(1, args.due // 10), owners, rng),
        ]
    finally:
        User.objects.filter(pk__in=made).delete()

    main_scale = scales[0]
    print(
        json.dumps(
            {
                "customers": main_scale["customers"],
                "due": main_scale["due"],
                "first_run_seconds": main_scale["first_run_seconds"],
                "second_run_seconds": main_scale["second_run_seconds"],
                "created": main_scale["created"],
                "other_customers": others,
                "scales": scales,
            }
        )
    )


if __name__ == "__main__":
    main()
