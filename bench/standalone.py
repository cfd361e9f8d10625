"""What a benchmark script run on its own does first: refuse anything but PostgreSQL, then set
Django up on that database, migrated."""

import os
import sys


def django_on_postgres() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(
            "This benchmark measures PostgreSQL: set DATABASE_URL=postgres://... to a database "
            "of its own, e.g. postgres://postgres@127.0.0.1:5432/rapport_bench "
            "(createdb -h 127.0.0.1 -U postgres rapport_bench)"
        )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
