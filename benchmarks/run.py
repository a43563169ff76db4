"""Benchmark suite entry point: ``python benchmarks/run.py [--quick] [--only NAME] [--json PATH]``.

Runs every registered workload (each ``benchmarks/bench_*.py`` registers its own with
``harness.workload``) and prints one markdown table on stdout; progress goes to stderr.
``--quick`` runs small sizes once (a few seconds, for CI: it keeps the code alive, its figures
mean nothing). This is a benchmark, not a test: nothing here asserts on a time; the only
assertions check that jaxsched and the peer compute the same values (like for like).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import harness  # noqa: E402


def discover() -> dict[str, harness.Workload]:
    for path in sorted(HERE.glob("bench_*.py")):
        importlib.import_module(path.stem)
    return dict(sorted(harness.WORKLOADS.items(), key=lambda kv: (kv[1].order, kv[0])))


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def main(argv: list[str] | None = None) -> int:
    workloads = discover()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="workloads:\n" + "\n".join(
                                    f"  {w.name:12s} {w.description}" for w in workloads.values()))
    p.add_argument("--quick", action="store_true", help="small sizes, one repeat (CI)")
    p.add_argument("--only", action="append", metavar="NAME", choices=sorted(workloads),
                   help="run only this workload (repeatable)")
    p.add_argument("--json", metavar="PATH", help="also write the raw figures as JSON")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats per figure (median)")
    p.add_argument("--budget", type=float, default=60.0,
                   help="seconds allowed to one peer measurement that may blow up (default 60)")
    p.add_argument("--inline-machine", action="store_true",
                   help="print the machine in every row instead of keys and a legend")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = p.parse_args(argv)

    ctx = harness.Context(quick=args.quick, repeats=1 if args.quick else args.repeats,
                          budget_s=args.budget, verbose=not args.quiet)
    selected = [workloads[n] for n in (args.only or workloads)]
    source = harness.jaxsched_source()
    ctx.log(f"measuring jaxsched from {source['path']} (commit {source['commit']})")
    if not source["this_checkout"]:
        print(f"warning: jaxsched is imported from {source['path']}, not from this checkout "
              f"({harness.ROOT}): the figures are not this code's", file=sys.stderr)
    load_start = _load()
    t_start = time.perf_counter()
    rows: list[harness.Row] = []
    spent: dict[str, float] = {}
    for w in selected:
        ctx.log(f"workload {w.name}: {w.description}")
        t0 = time.perf_counter()
        try:
            rows.extend(w.run(ctx))
        except harness.Skip as e:
            rows.append(harness.Row(w.name, "—", harness.Figure(None, text=f"skipped: {e}"), "—",
                                    harness.Figure(None)))
        spent[w.name] = time.perf_counter() - t0
        ctx.log(f"workload {w.name}: {spent[w.name]:.1f} s")

    total = time.perf_counter() - t_start
    load_end = _load()
    print(harness.render_table(rows, inline_machine=args.inline_machine))
    print(f"\nRun: {total:.0f} s{' (--quick: figures are not meaningful)' if args.quick else ''}; "
          f"1-min load average {load_start} at start, {load_end} at end "
          f"(on {harness.machine_info()['cores']} cores); jaxsched from {source['path']} "
          f"at {source['commit']}.")
    if args.json:
        data = {
            "args": {"quick": args.quick, "only": args.only, "repeats": ctx.repeats,
                     "budget_s": ctx.budget_s},
            "ratio_convention": harness.RATIO_NOTE,
            "machine": harness.machine_info(),
            "workload_seconds": spent,
            "total_seconds": total,
            "load_average": {"start": load_start, "end": load_end},
            "rows": [r.as_dict(harness.machine_text(r.device)) for r in rows],
        }
        Path(args.json).write_text(json.dumps(data, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
