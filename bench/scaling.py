"""How costs grow with the size of the book: compares a SCALE=1 and a SCALE=3 run of `make bench`.

    .venv/bin/python bench/scaling.py                      # the newest run at each scale
    .venv/bin/python bench/scaling.py one.json three.json

Targets: each page's p95 grows by less than 1.5x from SCALE=1 to SCALE=3, and planning time
follows the number of reminders due, not the number of customers. Writes
bench/results/scaling-<date>.md, which `make bench` puts in the README under its table.
"""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
GROWTH_MAX = 1.5


def newest(scale: float) -> Path:
    runs = [
        path
        for path in sorted(RESULTS.glob("2*.json"))
        if not path.name.startswith("load-") and json.loads(path.read_text())["scale"] == scale
    ]
    if not runs:
        sys.exit(f"No `make bench` result at SCALE={scale:g} in {RESULTS}.")
    return runs[-1]


def markdown(small: dict, large: dict) -> str:
    factor = large["counts"]["customers"] / small["counts"]["customers"]
    lines = [
        f"From SCALE={small['scale']:g} ({small['date']}) to SCALE={large['scale']:g} "
        f"({large['date']}): {factor:.1f}x the customers and "
        f"{large['counts']['interactions'] / small['counts']['interactions']:.1f}x the "
        "interactions.",
        "",
        f"| page | p95 ms, SCALE={small['scale']:g} | p95 ms, SCALE={large['scale']:g} | growth "
        f"| < {GROWTH_MAX}× |",
        "|---|---|---|---|---|",
    ]
    for name, page in small["pages"].items():
        grown = large["pages"][name]["p95_ms"] / page["p95_ms"]
        verdict = "yes" if grown < GROWTH_MAX else "**no**"
        lines.append(
            f"| {name} | {page['p95_ms']} | {large['pages'][name]['p95_ms']} | "
            f"{grown:.2f}× | {verdict} |"
        )
    a, b = small["jobs"], large["jobs"]
    per_thousand = [1000 * jobs["plan_seconds"] / max(jobs["plan_created"], 1) for jobs in (a, b)]
    lines += [
        "",
        "| planning | SCALE={:g} | SCALE={:g} | growth |".format(small["scale"], large["scale"]),
        "|---|---|---|---|",
        f"| reminders created | {a['plan_created']:,} | {b['plan_created']:,} | "
        f"{b['plan_created'] / max(a['plan_created'], 1):.2f}× |",
        f"| seconds | {a['plan_seconds']} | {b['plan_seconds']} | "
        f"{b['plan_seconds'] / a['plan_seconds']:.2f}× |",
        f"| seconds per 1,000 created | {per_thousand[0]:.3f} | {per_thousand[1]:.3f} | "
        f"{per_thousand[1] / per_thousand[0]:.2f}× |",
        f"| rerun, nothing new (seconds) | {a['plan_rerun_seconds']} | "
        f"{b['plan_rerun_seconds']} | {b['plan_rerun_seconds'] / a['plan_rerun_seconds']:.2f}× |",
    ]
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) == 3:
        small, large = (json.loads(Path(arg).read_text()) for arg in sys.argv[1:])
    else:
        small, large = (json.loads(newest(scale).read_text()) for scale in (1.0, 3.0))
    table = markdown(small, large)
    (RESULTS / f"scaling-{large['date']}.md").write_text(f"# Rapport scaling\n\n{table}")
    print(table)


if __name__ == "__main__":
    main()
