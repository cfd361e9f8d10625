"""How fast the customer CSV import is on PostgreSQL, and how much memory it needs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/import_customers.py --rows 10000

Builds a realistic file in memory, checks and imports it (all new customers), then imports a
changed copy in update mode (every row updates a customer), and deletes everything it created.
The timed runs are not traced; a separate traced run measures the peak memory of check + import
on top of the file's text. Prints one JSON line. Run it on a migrated database of its own.
"""

import argparse
import json
import os
import random
import sys
import time
import tracemalloc
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

FIRST = ["Ada", "Bilal", "Chen", "Dara", "Eve", "Femi", "Grace", "Hugo", "Ines", "Jon", "Kai"]
LAST = ["Lovelace", "Okafor", "Wang", "Murphy", "Smith", "García", "Novak", "Khan", "Berg"]
COMPANIES = ["Acme Ltd", "Northwind", "Globex, Inc.", "Initech", "Umbrella", "Stark & Sons", ""]
EXPECTATIONS = [
    "Call back the same day",
    "Quote within a week;\nprefers email for anything written",
    "",
    'Wants "no surprises" on the invoice',
]
TAGS = ["vip", "weekly", "wholesale", "newsletter", "trade", "referral", "late payer", "b2b"]
STATUSES = ["active", "Active", "prospect", "at_risk", "At risk", "lost"]
CHANNELS = ["email", "phone", "Text message", "in_person"]
TEMPERAMENTS = ["driver", "Analytical", "amiable", "expressive", ""]
OWNERS = [f"bench-owner-{n}" for n in range(5)]


def build_csv(rows: int, token: str, seed: int) -> str:
    import csv
    import io

    from customers.imports import COLUMNS

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        # Names and emails depend only on n, so a second file updates the same customers.
        first, last = FIRST[n % len(FIRST)], LAST[n % len(LAST)]
        ascii_last = unicodedata.normalize("NFKD", last).encode("ascii", "ignore").decode()
        has_email = n % 20 != 7
        writer.writerow(
            [
                f"{first} {last} {n}",
                rng.choice(COMPANIES),
                f"{first}.{ascii_last}.{n}@bench.example".lower() if has_email else "",
                f"+44 20 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
                rng.choice(CHANNELS),
                rng.choice(TEMPERAMENTS),
                rng.choice(EXPECTATIONS),
                f"Weekend opening [bench {token}]",
                f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                rng.choice(["", "", "new", "established"]),
                rng.choice(STATUSES),
                rng.choice([*OWNERS, ""]),
                "|".join(rng.sample(TAGS, rng.randint(0, 3))),
                rng.choice(["", "", "30", "90"]),
                rng.choice(["", f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-15"]),
                rng.choice(["", "no", "yes"]),
            ]
        )
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(
            "This benchmark measures PostgreSQL: set DATABASE_URL=postgres://... to a migrated "
            "database of its own, e.g. postgres://postgres@127.0.0.1:5432/rapport_bench"
        )

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from customers import imports
    from customers.models import Customer, CustomerImport, Tag

    token = f"{os.getpid()}-{int(time.time())}"
    staff = Group.objects.get(name="Staff")
    users = []
    for username in OWNERS:
        user, created = get_user_model().objects.get_or_create(username=username)
        user.groups.add(staff)
        if created:
            users.append(user)
    tags_before = set(Tag.objects.values_list("pk", flat=True))

    def run(text: str, duplicates: str) -> tuple[float, float, CustomerImport]:
        """Check and import as the worker does: (seconds checking, seconds importing, upload)."""
        upload = CustomerImport.objects.create(
            filename="bench.csv",
            text=text,
            duplicates=duplicates,
            rows_total=imports.estimated_rows(text),
        )
        started = time.perf_counter()
        assert imports.import_check(upload.pk) == CustomerImport.State.READY, upload.preview
        checked = time.perf_counter()
        # What a manager's confirm does, without queueing the task this process runs itself.
        CustomerImport.objects.filter(pk=upload.pk).update(state=CustomerImport.State.IMPORTING)
        assert imports.import_run(upload.pk) == imports.Outcome.IMPORTED
        return (
            checked - started,
            time.perf_counter() - checked,
            CustomerImport.objects.get(pk=upload.pk),
        )

    def clean_up() -> None:
        Customer.objects.filter(unmet_wants__endswith=f"[bench {token}]").delete()
        Customer.history.filter(unmet_wants__endswith=f"[bench {token}]").delete()
        CustomerImport.objects.filter(filename="bench.csv").delete()
        Tag.objects.exclude(pk__in=tags_before).filter(customers__isnull=True).delete()

    text = build_csv(args.rows, token, seed=1)
    changed = build_csv(args.rows, token, seed=2)
    try:
        validate_s, import_s, created = run(text, "skip")
        update_validate_s, update_import_s, updated = run(changed, "update")
        clean_up()
        tracemalloc.start()
        run(text, "skip")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        clean_up()
        for user in users:
            user.delete()

    print(
        json.dumps(
            {
                "rows": args.rows,
                "csv_mb": round(len(text.encode()) / 1024 / 1024, 2),
                "validate_seconds": round(validate_s, 2),
                "import_seconds": round(import_s, 2),
                "created": created.created_count,
                "update_validate_seconds": round(update_validate_s, 2),
                "update_import_seconds": round(update_import_s, 2),
                "updated": updated.updated_count,
                "update_created": updated.created_count,
                "peak_memory_mb": round(peak / 1024 / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
