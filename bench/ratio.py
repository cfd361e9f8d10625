"""A page against its floor in process, without gunicorn: the quick check while working on a
page's own cost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/ratio.py profile=/customers/2/ search=/customers/?q=customer4242

Logs in as the bench manager (bench-staff-0, seeded by bench/seed.py), captures each page's
SQL as run.py does, then alternates page and floor requests through the test client and prints
p50 and p95 of each and their ratio. Run VACUUM ANALYZE first after a bench run.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", help="name=url")
    parser.add_argument("--requests", type=int, default=150)
    args = parser.parse_args()
    urls = dict(page.split("=", 1) for page in args.pages)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BENCH_FLOOR_SQL"] = str(Path(tmp) / "floor.json")
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from bench.dashboard import percentile

        client = Client()
        client.force_login(User.objects.get(username="bench-staff-0"))
        statements = {}
        for name, url in urls.items():
            for _ in range(3):
                assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 200
            with CaptureQueriesContext(connection) as queries:
                client.get(url, HTTP_HOST="127.0.0.1")
            # The session and the user: the floor's middleware reads them too.
            statements[name] = [query["sql"] for query in queries.captured_queries[2:]]
        Path(os.environ["BENCH_FLOOR_SQL"]).write_text(json.dumps(statements))

        timings = {url: [] for name, page in urls.items() for url in (page, f"/__floor__/{name}/")}
        for _ in range(args.requests):
            for url in timings:
                started = time.perf_counter()
                assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 200
                timings[url].append((time.perf_counter() - started) * 1000)

    for name, url in urls.items():
        page, floor = timings[url], timings[f"/__floor__/{name}/"]
        figures = []
        for label, fraction in (("p50", 0.5), ("p95", 0.95)):
            ms, floor_ms = percentile(page, fraction), percentile(floor, fraction)
            figures.append(f"{label} {ms:.2f} / {floor_ms:.2f} ms = {ms / floor_ms:.2f}×")
        print(f"{name}: {'; '.join(figures)} ({len(statements[name])} queries)")


if __name__ == "__main__":
    main()
