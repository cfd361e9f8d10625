"""Page growth from one scale to another, with the two scales loaded in turn.

    .venv/bin/python bench/interleave.py \\
        postgres://postgres@127.0.0.1:5432/rapport_bench \\
        postgres://postgres@127.0.0.1:5432/rapport_bench3 --rounds 3

Both databases as `make bench` left them (SCALE=1, then SCALE=3 with its own
BENCH_DATABASE_URL), vacuumed and analysed first: the bench's import job leaves the customers
table bloated, which slows search and the dashboard many times over; and with the dashboard's
at-risk candidates chosen afresh, as beat keeps them on a running Rapport. Each gets a gunicorn of
its own, as in run.py; every round loads the pages of the first, then of the second
(bench/load.py, sequential requests). A host whose speed drifts within the hour moves both
scales alike, where two runs minutes apart can differ by more than the data does. Prints, and
writes to results/interleaved-<date>.md, each page's median p50 and p95 over the rounds at
each scale and their growth.
"""

import argparse
import statistics
import sys
import time
from contextlib import ExitStack

import psycopg
from run import RESULTS, ROOT, gunicorn, load, page_urls


def markdown(names, first, second, rounds, requests) -> str:
    lines = [
        "# Rapport growth, interleaved",
        "",
        f"{names[0]} and {names[1]} loaded in turn, {rounds} rounds of {requests} sequential "
        "requests a page; medians over the rounds.",
        "",
        f"| page | p50 ms, {names[0]} | p50 ms, {names[1]} | growth | p95 ms, {names[0]} "
        f"| p95 ms, {names[1]} | growth | < 1.5× (p95) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for page in first:
        (p50_a, p95_a), (p50_b, p95_b) = first[page], second[page]
        met = "yes" if p95_b / p95_a < 1.5 else "**no**"
        lines.append(
            f"| {page} | {p50_a:.1f} | {p50_b:.1f} | {p50_b / p50_a:.2f}× | {p95_a:.1f} | "
            f"{p95_b:.1f} | {p95_b / p95_a:.2f}× | {met} |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", help="database URL of the smaller scale")
    parser.add_argument("second", help="database URL of the larger scale")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    databases = [args.first, args.second]
    urls = []
    for url in databases:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            urls.append(page_urls(conn.cursor()))
    runs = [[], []]
    with ExitStack() as stack:
        ports = [stack.enter_context(gunicorn(url)) for url in databases]
        for number in range(args.rounds):
            for which in (0, 1):
                runs[which].append(
                    load(ports[which], urls[which], args.requests, seconds=0.5, concurrency=1)
                )
            print(f"round {number + 1} of {args.rounds} done", file=sys.stderr, flush=True)

    def medians(results):
        return {
            page: (
                statistics.median(run[page]["p50_ms"] for run in results),
                statistics.median(run[page]["p95_ms"] for run in results),
            )
            for page in results[0]
        }

    names = [url.rsplit("/", 1)[-1] for url in databases]
    report = markdown(names, medians(runs[0]), medians(runs[1]), args.rounds, args.requests)
    path = RESULTS / f"interleaved-{time.strftime('%Y-%m-%d-%H%M')}.md"
    path.write_text(report)
    print(report)
    print(f"written to {path.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
