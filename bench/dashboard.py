"""How long the manager dashboard takes to render on a full database, and how many queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_scale \\
        .venv/bin/python bench/dashboard.py --runs 20

Run bench/seed.py first. Renders /dashboard/ for each period in-process (the whole Django
stack: middleware, queries, template) after two warm-up requests, and prints one JSON line
with p50 / p95 milliseconds and the query count per period.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(User.objects.get(username="bench-staff-0"))
    results = {}
    for period in (30, 90, 365):
        url = f"/dashboard/?period={period}"
        for _ in range(2):
            assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 200
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            client.get(url, HTTP_HOST="127.0.0.1")
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, HTTP_HOST="127.0.0.1")
        results[f"dashboard_{period}d"] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1),
            "queries": len(queries.captured_queries),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
