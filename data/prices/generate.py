"""Generate ``daily.csv``: a synthetic daily close series with trends (for ma-crossover).

Run from the project root (deterministic: same seed, same bytes)::

    python data/prices/generate.py

Business days (Monday to Friday) from 2021-01-04 to 2023-12-29, columns ``date, close``.
The price follows a geometric random walk whose drift switches between up, down and sideways
regimes lasting 30-90 days, so a 20/50-day moving-average crossover finds real signals.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from pathlib import Path

SEED = 7
START, END = date(2021, 1, 4), date(2023, 12, 29)
FIRST_CLOSE = 100.0
VOLATILITY = 0.015
REGIMES = (0.0025, -0.002, 0.0)
HERE = Path(__file__).resolve().parent


def business_days(start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def generate() -> None:
    rng = random.Random(SEED)
    price, drift, left = FIRST_CLOSE, 0.0, 0
    lines = ["date,close"]
    for day in business_days(START, END):
        if left == 0:
            drift, left = rng.choice(REGIMES), rng.randint(30, 90)
        left -= 1
        price *= math.exp(drift - VOLATILITY**2 / 2 + VOLATILITY * rng.gauss(0, 1))
        lines.append(f"{day.isoformat()},{price:.2f}")
    (HERE / "daily.csv").write_text("\n".join(lines) + "\n")
    print(f"{len(lines) - 1} days, last close {price:.2f}")


if __name__ == "__main__":
    generate()
