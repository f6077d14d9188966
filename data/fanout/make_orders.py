"""Write data/fanout/orders.csv: 20,000 orders, the same bytes every time.

Run from the project root: ``python data/fanout/make_orders.py [rows]``. Columns: ``order_id``
(0..n-1), ``customer`` (``c000``..``c996``), ``amount_cents`` (1..100000). A test checks the
committed file is what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROWS = 20_000
PATH = Path(__file__).with_name("orders.csv")


def orders_csv(rows: int = ROWS) -> str:
    """The CSV text of ``rows`` orders (header first, ``\\n`` line ends)."""
    lines = ["order_id,customer,amount_cents"]
    lines += [f"{i},c{i % 997:03d},{(i * 7919) % 100_000 + 1}" for i in range(rows)]
    return "\n".join(lines) + "\n"


def expected_totals(rows: int = ROWS) -> dict[str, object]:
    """What the order-totals flow must answer for the first ``rows`` orders (the tests' oracle,
    computed from the rows' formula, not by the flow's functions)."""
    amounts = [(i * 7919) % 100_000 + 1 for i in range(rows)]
    taxes = [(a * 7 + 50) // 100 for a in amounts]
    large, small = sum(a >= 50_000 for a in amounts), sum(a < 10_000 for a in amounts)
    bands = {"large": large, "medium": rows - large - small, "small": small}
    return {
        "count": rows,
        "amount_cents": sum(amounts),
        "tax_cents": sum(taxes),
        "total_cents": sum(amounts) + sum(taxes),
        "bands": {name: n for name, n in bands.items() if n},
        "first": 0,
        "last": rows - 1,
    }


if __name__ == "__main__":
    PATH.write_text(orders_csv(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS), newline="\n")
