"""Where a page's time goes: renders it in-process with the test client under cProfile and
prints SQL time against the rest, and the functions with the most cumulative time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/profile_page.py /customers/ --runs 20

Logs in as the bench manager (bench-staff-0, seeded by bench/seed.py).
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(User.objects.get(username="bench-staff-0"))
    for _ in range(3):
        assert client.get(args.url, HTTP_HOST="127.0.0.1").status_code == 200
    sql_seconds = 0.0
    started = time.perf_counter()
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            client.get(args.url, HTTP_HOST="127.0.0.1")
        sql_seconds += sum(float(q["time"]) for q in queries.captured_queries)
    total = time.perf_counter() - started
    print(
        f"{args.url}: {total / args.runs * 1000:.1f} ms a request, of which SQL (as Django "
        f"times it) {sql_seconds / args.runs * 1000:.1f} ms, {len(queries.captured_queries)} "
        "queries"
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.runs):
        client.get(args.url, HTTP_HOST="127.0.0.1")
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
