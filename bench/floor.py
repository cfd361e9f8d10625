"""The floor of each benchmarked page: the SQL the page ran, replayed with no forms, no ORM and
no templates, answering the row counts as plain text.

bench/run.py captures each page's queries in-process (CaptureQueriesContext) and writes them to
the JSON file named by BENCH_FLOOR_SQL; this view replays them through connection.cursor(). The
session and auth middleware still run, as they do for the page, so the ratio page / floor is
what the ORM, forms and templates cost on top of the database work.
"""

import json
import os
from functools import cache

from django.db import connection
from django.http import Http404, HttpResponse


@cache
def _statements() -> dict[str, list[str]]:
    with open(os.environ["BENCH_FLOOR_SQL"]) as file:
        return json.load(file)


def floor_view(request, name):
    # "__baseline__" runs nothing: what it queries is the middleware's share (session, user).
    statements = [] if name == "__baseline__" else _statements().get(name)
    if statements is None:
        raise Http404(name)
    counts = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            counts.append(str(len(cursor.fetchall())) if cursor.description else "-")
    return HttpResponse(" ".join(counts), content_type="text/plain")
