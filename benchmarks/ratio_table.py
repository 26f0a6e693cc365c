#!/usr/bin/env python3
"""Turns sluice_bench JSON output into the figures table of docs/BENCHMARKS.md.

usage: ratio_table.py RUN.json [RUN.json ...]

Pools every repetition of every file given (one file per run of the binary) and
reports, per case, the median events/s of the baseline and of the engine at each
thread count, with the engine/baseline and threads:2/threads:1 ratios.
"""
import json
import re
import statistics
import sys
from collections import defaultdict

NAME = re.compile(r"^(?P<case>[^/]+)/(?P<kind>baseline|engine/threads:(?P<threads>\d+))")


def main(paths):
    rates = defaultdict(list)  # (case, "baseline" | threads) -> [events/s]
    failed = set()
    for path in paths:
        with open(path) as f:
            report = json.load(f)
        for run in report["benchmarks"]:
            if run.get("run_type") != "iteration":
                continue
            match = NAME.match(run["run_name"])
            if not match:
                continue
            key = (match["case"], match["threads"] or "baseline")
            if run.get("error_occurred"):
                failed.add(key)
                continue
            rates[key].append(run["items_per_second"])

    if not rates and not failed:
        print("no repetitions found: run sluice_bench without "
              "--benchmark_report_aggregates_only, which leaves them out of the JSON",
              file=sys.stderr)
        return 2
    cases = sorted({case for case, _ in rates} | {case for case, _ in failed})
    print("| case | baseline Mev/s | engine t1 Mev/s | engine t2 Mev/s "
          "| t1/baseline | t2/baseline | t2/t1 | runs |")
    print("|---|---|---|---|---|---|---|---|")
    for case in cases:
        median = {}
        for kind in ("baseline", "1", "2"):
            if (case, kind) in failed:
                median[kind] = None
            elif rates[(case, kind)]:
                median[kind] = statistics.median(rates[(case, kind)])

        def rate(kind):
            if kind not in median:
                return "-"
            return "FAILED" if median[kind] is None else f"{median[kind] / 1e6:.1f}"

        def ratio(a, b):
            if not median.get(a) or not median.get(b):
                return "-"
            return f"{median[a] / median[b]:.2f}"

        runs = len(rates[(case, "baseline")])
        print(f"| {case} | {rate('baseline')} | {rate('1')} | {rate('2')} "
              f"| {ratio('1', 'baseline')} | {ratio('2', 'baseline')} | {ratio('2', '1')} "
              f"| {runs} |")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
