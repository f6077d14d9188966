"""``python -m bench``: µs per state of the local engine vs moto, in the same run, and memory;
then the paths users take (JSONata states, ``flowctl run``, the local store, the compiler,
start-up, a node's cold start, a big fan-out's memory), each against its same-run baseline.

Options: ``--no-moto`` (engine only), ``--repeat N`` (best of N engine runs, default 3),
``--moto-map-cap N`` (moto runs Maps with at most N items: its executor recurses into a
RecursionError and hangs above ~950; default 900), ``--quick`` (small sizes: a smoke run whose
figures mean little), ``--rows-only`` (only that second table), ``--fanout-sizes 10000,100000``
(items of the fan-out rows: time per item and peak memory of a foreach over a CSV file with
aggregation; ``--quick`` makes it 300).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

from bench.fanout import fanout_rows, print_fanout_rows
from bench.measure import MotoSession, peak_memory, time_engine
from bench.rows import Sizes, all_rows, print_rows
from bench.scenarios import Workload, builtin_workloads, example_workloads, map_workload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--no-moto", action="store_true", help="measure the local engine only")
    parser.add_argument("--repeat", type=int, default=3, help="best of N engine runs (default 3)")
    parser.add_argument("--moto-map-cap", type=int, default=900, help="largest Map moto runs (default 900)")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--rows-only", action="store_true", help="only the paths of issue 14 against their baselines")
    parser.add_argument("--fanout-sizes", default=None,
                        help="items of the fan-out rows, comma-separated (default 10000,100000, 300 with --quick; '' skips them)")
    args = parser.parse_args(argv)
    sizes = Sizes.quick() if args.quick else Sizes()
    if args.rows_only:
        print_rows(all_rows(sizes, args.repeat, lambda message: print(message, file=sys.stderr, flush=True)))
        return 0

    workloads = builtin_workloads(args.moto_map_cap) + example_workloads()
    # Our engine first, with nothing else in memory; then moto, warmed up, on the same workloads.
    ours: dict[str, tuple[float, int]] = {}
    for w in workloads:
        gc.collect()
        ours[w.name] = time_engine(w.definition, w.input, args.repeat, w.mocks, w.functions_dir)
        print(f"  measured {w.name} on the local engine", file=sys.stderr, flush=True)
    theirs: dict[str, tuple[float | None, str]] = {}
    if not args.no_moto:
        with MotoSession() as session:
            session.warm_up()
            for w in workloads:
                if w.mocks or w.functions_dir is not None:
                    continue
                theirs[w.name] = _time_moto(session, w)
                print(f"  measured {w.name} on moto", file=sys.stderr, flush=True)
    rows = []
    for w in workloads:
        seconds, states = ours[w.name]
        moto_us, note = theirs.get(w.name, (None, w.note))
        rows.append((w.name, states, seconds, seconds / states * 1e6, moto_us, note or w.note))

    print()
    print(f"{'workload':<28}{'states':>8}{'ours ms':>10}{'ours µs/st':>12}{'moto µs/st':>12}{'ratio':>9}  note")
    for name, states, seconds, ours, moto_us, note in rows:
        moto_text = f"{moto_us:>12.0f}" if moto_us is not None else f"{'-':>12}"
        ratio = f"{moto_us / ours:>8.0f}x" if moto_us is not None else f"{'-':>9}"
        print(f"{name:<28}{states:>8}{seconds * 1e3:>10.1f}{ours:>12.2f}{moto_text}{ratio}  {note}")

    print()
    print("peak memory (tracemalloc) of one inline Map execution:")
    print(f"{'items':>8}{'with history':>16}{'per item':>11}{'no history':>14}{'per item':>11}")
    for items in (1000, 10_000):
        w = map_workload(items, args.moto_map_cap)
        full = peak_memory(w.definition, w.input, True)
        lean = peak_memory(w.definition, w.input, False)
        print(f"{items:>8}{full / 1024:>13.0f} KiB{full / items:>9.0f} B{lean / 1024:>11.0f} KiB{lean / items:>9.0f} B")
    default_sizes = "300" if args.quick else "10000,100000"
    fanout_sizes = [int(n) for n in (args.fanout_sizes if args.fanout_sizes is not None else default_sizes).split(",") if n.strip()]
    if fanout_sizes:
        print("  measuring the fan-out rows (two runs per size)", file=sys.stderr, flush=True)
        print_fanout_rows(fanout_rows(fanout_sizes))
    print()
    print(f"(engine: best of {args.repeat} runs, virtual clock; moto: one run, start until it reports the end; "
          f"{time.strftime('%Y-%m-%d %H:%M')})")
    print()
    rows = all_rows(sizes, args.repeat, lambda message: print(message, file=sys.stderr, flush=True))
    print_rows(rows)
    return 0


def _time_moto(session: MotoSession, w: Workload) -> tuple[float | None, str]:
    """Moto's µs per state on the workload (at ``moto_cap`` items where it cannot run more)."""
    definition = w.moto_definition or w.definition
    value = w.moto_input if w.moto_input is not None else w.input
    states = time_engine(definition, value, 1)[1]
    note = f"moto run at {w.moto_cap} items" if w.moto_cap is not None else w.note
    try:
        return session.time(definition, value) / states * 1e6, note
    except Exception as exc:  # moto's executor breaks on some workloads
        return None, f"moto failed: {type(exc).__name__}: {exc}"


if __name__ == "__main__":
    raise SystemExit(main())
