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


if __name__ == "__main__":
    PATH.write_text(orders_csv(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS), newline="\n")
