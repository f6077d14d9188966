"""Generate the fake API's records: ``orders.json`` and ``customers.json`` (as the API sends them).

Run from the project root (deterministic: same seed, same bytes)::

    python data/api/generate.py

The records are deliberately raw, the way a real API returns them: amounts as text (sometimes
with thousands separators), mixed-case codes, padded names and e-mails, two date formats, an
order sent twice, and a few broken records (no id, an amount of ``"N/A"``, an e-mail without
``@``) that ``transform_records`` must reject. Orders span 2024-05-01 to 2024-05-07 (Bangkok
time); ``expected.json`` gives, per source and day, how many records the API
returns and how many survive the transform.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SEED = 11
HERE = Path(__file__).resolve().parent
BANGKOK = timezone(timedelta(hours=7))
DAYS = [date(2024, 5, 1) + timedelta(days=i) for i in range(7)]
FIRST = ["somchai", "Anong", "MALEE", "Niran", "pim", "Kittisak", "Ying", "Arthit", "Dao", "Lek"]
LAST = ["Jaidee", "srisuk", "WONGSAWAT", "Chaiyaporn", "Boonmee", "Rattanakul"]
STATUSES = ["PAID", "paid", "Shipped", "CANCELLED", "pending"]


def generate() -> None:
    rng = random.Random(SEED)
    customers: list[dict[str, object]] = []
    for n in range(1, 41):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        signup = date(2023, 1, 1) + timedelta(days=rng.randrange(480))
        updated = datetime.combine(rng.choice(DAYS), datetime.min.time(), BANGKOK) + timedelta(minutes=rng.randrange(1440))
        email = f"{first.lower()}.{last.lower()}{n}@example.com"
        customers.append({
            "id": n,
            "name": f"  {first}  {last} " if rng.random() < 0.4 else f"{first} {last}",
            "email": email.upper() + " " if rng.random() < 0.3 else email,
            "country": rng.choice(["th", "TH", "sg", "my "]),
            "signup_date": signup.strftime("%d/%m/%Y") if rng.random() < 0.5 else signup.isoformat(),
            "updated_at": updated.isoformat(),
        })
    customers[6]["email"] = "not-an-email"
    customers[17].pop("id")

    orders: list[dict[str, object]] = []
    number = 100_000
    for day in DAYS:
        for _ in range(rng.randint(8, 16)):
            number += 1
            at = datetime.combine(day, datetime.min.time(), BANGKOK) + timedelta(minutes=rng.randrange(1440))
            cents = rng.randint(1_500, 950_000)
            amount = f"{cents / 100:,.2f}" if rng.random() < 0.3 else f"{cents / 100:.2f}"
            orders.append({
                "order_id": f"O-{number}",
                "customer_id": rng.randint(1, 40),
                "created_at": at.isoformat(),
                "amount": amount,
                "currency": rng.choice(["THB", "thb", " THB"]),
                "status": rng.choice(STATUSES),
                "items": str(rng.randint(1, 6)) if rng.random() < 0.3 else rng.randint(1, 6),
            })
    orders.sort(key=lambda o: str(o["created_at"]))
    orders.insert(5, dict(orders[4]))                      # the API sends one order twice
    orders[12]["amount"] = "N/A"
    orders[30].pop("order_id")

    expected: dict[str, dict[str, dict[str, int]]] = {"orders": {}, "customers": {}}
    for day in DAYS:
        key = day.isoformat()
        day_orders = [o for o in orders if str(o["created_at"])[:10] == key]
        ids = [o.get("order_id") for o in day_orders]
        rejected = sum(1 for o in day_orders if "order_id" not in o or o["amount"] == "N/A")
        duplicates = len([i for i in ids if i]) - len({i for i in ids if i})
        expected["orders"][key] = {"returned": len(day_orders), "rejected": rejected + duplicates,
                                   "rows": len(day_orders) - rejected - duplicates}
        day_customers = [c for c in customers if str(c["updated_at"])[:10] == key]
        bad = sum(1 for c in day_customers if "id" not in c or "@" not in str(c["email"]))
        expected["customers"][key] = {"returned": len(day_customers), "rejected": bad, "rows": len(day_customers) - bad}

    (HERE / "orders.json").write_text(json.dumps(orders, indent=1) + "\n")
    (HERE / "customers.json").write_text(json.dumps(customers, indent=1) + "\n")
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(json.dumps(expected["orders"]))


if __name__ == "__main__":
    generate()
