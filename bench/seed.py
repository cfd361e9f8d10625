"""Seed a PostgreSQL database with a business's full history, fast (COPY).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_scale \\
        .venv/bin/python bench/seed.py --scale 1

SCALE=1 is 20 staff, 100,000 customers, 1,000,000 interactions (a few customers with thousands,
most with a handful), 5,000 open follow-ups and 2,000 complaints. ``--staff`` sets how many
staff there are, whatever the scale (bench-staff-0 is the manager; all have BENCH_PASSWORD).
Existing bench data is replaced; the database is migrated first. Prints one JSON line with the
counts and seconds.
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

CAUSES = ["system", "system", "system", "value", "value", "people", "not_ours"]
KINDS = [
    "call",
    "meeting",
    "email",
    "check_in",
    "note",
    "purchase",
    "complaint",
    "feedback",
    "follow_up",
]
KIND_WEIGHTS = [25, 5, 20, 15, 10, 10, 3, 7, 5]
OUTCOMES = ["exceeded", "met", "fell_short", "unknown"]
OUTCOME_WEIGHTS = [15, 50, 8, 27]
CHANNELS = ["phone", "email", "in_person", "video", "sms", "web", "other"]
SEVERITIES = ["low", "normal", "high", "urgent"]
TARGET_HOURS = {"urgent": (1, 24), "high": (4, 72), "normal": (24, 168), "low": (48, 336)}
BENCH_PASSWORD = "rapport-bench"


def staff_users(count):
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    # Hashing is deliberately slow (about half a second each): one hash serves every new user.
    password = None
    users = []
    for n in range(count):
        user, created = User.objects.get_or_create(
            username=f"bench-staff-{n}",
            defaults={"first_name": "Staff", "last_name": str(n), "email": f"s{n}@bench.example"},
        )
        if created:
            password = password or make_password(BENCH_PASSWORD)
            user.password = password
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name="Manager" if n == 0 else "Staff"))
        users.append(user)
    return users


def copy_rows(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(scale: float, rng: random.Random, staff: int = 20) -> dict:
    from django.db import connection

    from customers.fields import CUSTOMER_FIELDS
    from customers.models import Customer

    n_customers = int(100_000 * scale)
    n_interactions = int(1_000_000 * scale)
    n_follow_ups = int(5_000 * scale)
    n_complaints = int(2_000 * scale)
    now = datetime.datetime.now(datetime.UTC)
    today = now.date()
    users = [u.pk for u in staff_users(staff)]
    with connection.cursor() as django_cursor:
        cursor = django_cursor.connection.cursor()
        cursor.execute(
            "TRUNCATE customers_customer, customers_customer_tags, interactions_interaction, "
            "interactions_complaint, interactions_complaintevent, interactions_followup, "
            "interactions_reminder, interactions_digest, interactions_interactiondaycount, "
            "interactions_interactiondayscounted RESTART IDENTITY CASCADE"
        )

        # Customers: 5% due for a check-in today or overdue, the rest due within two months.
        def customers():
            for n in range(1, n_customers + 1):
                since = today - datetime.timedelta(days=rng.randint(1, 3000))
                due = today + datetime.timedelta(
                    days=-rng.randint(0, 60) if n % 20 == 0 else rng.randint(1, 60)
                )
                birthday = datetime.date(1950 + n % 50, 1 + n % 12, 1 + n % 28) if n % 3 else None
                yield (
                    f"Customer {n}",
                    f"Company {n % 5000}",
                    f"customer{n}@bench.example",
                    f"+44 7700 {n:06d}",
                    "email",
                    "unknown",
                    "",
                    "",
                    since,
                    "",
                    "active",
                    users[n % len(users)],
                    None,
                    birthday,
                    False,
                    # A tenth write in Spanish and a tenth in German.
                    {7: "es", 8: "de"}.get(n % 10, "en-gb"),
                    # The columns Rapport fills in itself.
                    now - datetime.timedelta(days=rng.randint(0, 90)),
                    due,
                    None,
                    now,
                    now,
                    "{}",  # loyalty_factors: not computed yet (the bench times computing them)
                    f"+447700{n:06d}",
                )

        copy_rows(
            cursor,
            "customers_customer",
            [
                # In the order of the values above; tags live in a table of their own.
                *(
                    Customer._meta.get_field(name).column
                    for name in CUSTOMER_FIELDS
                    if name != "tags"
                ),
                "last_contact_at",
                "next_checkin_due",
                "archived_at",
                "created_at",
                "updated_at",
                "loyalty_factors",
                "phone_e164",
            ],
            customers(),
        )

        # Interactions: ten customers with 5,000 each, the rest spread over everyone.
        def interactions():
            heavy = n_interactions // 20
            for n in range(n_interactions):
                customer = 1 + (n % 10) if n < heavy else rng.randint(1, n_customers)
                at = now - datetime.timedelta(minutes=rng.randint(1, 3 * 365 * 24 * 60))
                yield (
                    customer,
                    rng.choices(KINDS, KIND_WEIGHTS)[0],
                    rng.choice(CHANNELS),
                    at,
                    f"Interaction {n}",
                    "",
                    users[customer % len(users)],
                    "us",
                    rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0],
                    None,
                    at,
                    at,
                )

        copy_rows(
            cursor,
            "interactions_interaction",
            [
                "customer_id",
                "kind",
                "channel",
                "occurred_at",
                "summary",
                "details",
                "author_id",
                "initiated_by",
                "outcome",
                "satisfaction",
                "created_at",
                "updated_at",
            ],
            interactions(),
        )

        def follow_ups():
            for n in range(n_follow_ups):
                customer = rng.randint(1, n_customers)
                due = today + datetime.timedelta(days=rng.randint(-20, 20))
                yield (
                    customer,
                    f"Follow-up {n}",
                    due,
                    users[customer % len(users)],
                    n % 2 == 0,
                    users[customer % len(users)],
                    now,
                )

        copy_rows(
            cursor,
            "interactions_followup",
            [
                "customer_id",
                "summary",
                "due_on",
                "assignee_id",
                "promised",
                "created_by_id",
                "created_at",
            ],
            follow_ups(),
        )

        def complaints():
            for n in range(n_complaints):
                customer = rng.randint(1, n_customers)
                severity = rng.choice(SEVERITIES)
                opened = now - datetime.timedelta(hours=rng.randint(1, 365 * 24))
                respond, resolve = (
                    opened + datetime.timedelta(hours=h) for h in TARGET_HOURS[severity]
                )
                done = n % 3 != 0  # two in three resolved
                first_response = opened + datetime.timedelta(hours=rng.randint(1, 30))
                resolved = opened + datetime.timedelta(hours=rng.randint(30, 400))
                yield (
                    customer,
                    f"Complaint {n}",
                    severity,
                    "resolved" if done else "open",
                    users[customer % len(users)],
                    users[0],
                    opened,
                    respond,
                    resolve,
                    first_response if done or n % 2 else None,
                    resolved if done else None,
                    "",
                    None,
                    "Put right." if done else "",
                    # Why, chosen at resolution: how we work most often, as in most businesses.
                    rng.choice(CAUSES) if done else "",
                    now,
                    now,
                )

        copy_rows(
            cursor,
            "interactions_complaint",
            [
                "customer_id",
                "summary",
                "severity",
                "status",
                "assignee_id",
                "opened_by_id",
                "opened_at",
                "respond_by",
                "resolve_by",
                "first_response_at",
                "resolved_at",
                "remedy",
                "remedy_accepted",
                "resolution_summary",
                "cause",
                "created_at",
                "updated_at",
            ],
            complaints(),
        )
    from interactions import stats

    stats.refresh()  # the dashboard's daily summary, as the hourly task would have it
    # VACUUM as well as ANALYZE: it sets the visibility map, so index-only scans work as they
    # would on a database that has been in use for a while. It cannot run in a transaction.
    with connection.cursor() as django_cursor:
        django_cursor.connection.autocommit = True
        django_cursor.execute("VACUUM ANALYZE")
    return {
        "customers": n_customers,
        "interactions": n_interactions,
        "follow_ups": n_follow_ups,
        "complaints": n_complaints,
        "staff": len(users),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", 1)))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--staff", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    counts = seed(args.scale, random.Random(args.seed), staff=args.staff)
    print(
        json.dumps(
            {**counts, "scale": args.scale, "seed_seconds": round(time.perf_counter() - started, 1)}
        )
    )


if __name__ == "__main__":
    main()
