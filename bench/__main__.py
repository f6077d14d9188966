"""``python -m bench``: µs per state of the local engine vs moto, in the same run, and memory.

Options: ``--no-moto`` (engine only), ``--repeat N`` (best of N engine runs, default 3),
``--moto-map-cap N`` (moto runs Maps with at most N items: its executor recurses into a
RecursionError and hangs above ~950; default 900).
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.measure import MotoSession, peak_memory, time_engine
from bench.scenarios import builtin_workloads, example_workloads, map_workload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--no-moto", action="store_true", help="measure the local engine only")
    parser.add_argument("--repeat", type=int, default=3, help="best of N engine runs (default 3)")
    parser.add_argument("--moto-map-cap", type=int, default=900, help="largest Map moto runs (default 900)")
    args = parser.parse_args(argv)

    workloads = builtin_workloads(args.moto_map_cap) + example_workloads()
    rows = []
    session = None if args.no_moto else MotoSession().__enter__()
    try:
        for w in workloads:
            seconds, states = time_engine(w.definition, w.input, args.repeat, w.mocks)
            ours = seconds / states * 1e6
            moto_us = None
            note = w.note
            if session is not None and not w.mocks:
                moto_def = w.moto_definition or w.definition
                moto_input = w.moto_input if w.moto_input is not None else w.input
                moto_states = states
                if w.moto_cap is not None:
                    _, moto_states = time_engine(moto_def, moto_input, 1)
                    note = f"moto run at {w.moto_cap} items"
                try:
                    moto_us = session.time(moto_def, moto_input) / moto_states * 1e6
                except Exception as exc:  # moto's executor breaks on some workloads
                    note = f"moto failed: {type(exc).__name__}"
            rows.append((w.name, states, seconds, ours, moto_us, note))
            print(f"  measured {w.name}", file=sys.stderr, flush=True)
    finally:
        if session is not None:
            session.__exit__(None, None, None)

    print()
    print(f"{'workload':<22}{'states':>8}{'ours ms':>10}{'ours µs/st':>12}{'moto µs/st':>12}{'ratio':>9}  note")
    for name, states, seconds, ours, moto_us, note in rows:
        moto_text = f"{moto_us:>12.0f}" if moto_us is not None else f"{'-':>12}"
        ratio = f"{moto_us / ours:>8.0f}x" if moto_us is not None else f"{'-':>9}"
        print(f"{name:<22}{states:>8}{seconds * 1e3:>10.1f}{ours:>12.2f}{moto_text}{ratio}  {note}")

    print()
    print("peak memory (tracemalloc) of one inline Map execution:")
    print(f"{'items':>8}{'with history':>16}{'per item':>11}{'no history':>14}{'per item':>11}")
    for items in (1000, 10_000):
        w = map_workload(items, args.moto_map_cap)
        full = peak_memory(w.definition, w.input, True)
        lean = peak_memory(w.definition, w.input, False)
        print(f"{items:>8}{full / 1024:>13.0f} KiB{full / items:>9.0f} B{lean / 1024:>11.0f} KiB{lean / items:>9.0f} B")
    print()
    print(f"(engine: best of {args.repeat} runs, virtual clock; moto: one run incl. create + start + polling; "
          f"{time.strftime('%Y-%m-%d %H:%M')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
