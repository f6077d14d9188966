"""Generate the reconciliation sample: a bank statement, a ledger and the ground truth.

Run from the project root (deterministic: same seed, same bytes)::

    python data/reconciliation/generate.py

Writes, next to this script:

- ``ledger.csv`` and ``bank_statement.csv`` with columns ``id, date, reference, counterparty,
  amount`` (amounts signed the same way on both sides: receipts positive, payments negative);
- ``ground_truth.json``: which bank row truly corresponds to which ledger row, what noise was
  applied, and the outcome a correct matcher must reach with the flow's defaults
  (``threshold`` 85, ``max_days`` 3, amount tolerance 0.01).

Noise, as in real statements: the bank upper-cases, strips punctuation from and truncates
counterparty names, and sometimes mangles them (typos); it posts 0-3 days after the ledger date;
some references are missing on one side; some amounts differ by a rounding cent. Outcomes:

- ``exact``: same reference and same amount on both sides;
- ``fuzzy``: a reference is missing or the amount is a cent off, dates within 3 days;
- ``unmatched``: a true pair no automatic rule may accept (posted 5-9 days late without a
  reference, or a bank fee deducted from the amount) -- left for a human;
- plus rows on one side only (bank charges and interest; uncleared cheques and deposits).
"""

from __future__ import annotations

import csv
import json
import random
import string
from datetime import date, timedelta
from pathlib import Path

SEED = 20240331
SHARED = 960
BANK_ONLY = 40
LEDGER_ONLY = 30
START = date(2024, 1, 2)
DAYS = 88
HERE = Path(__file__).resolve().parent

COUNTERPARTIES = [
    "Acme Supplies Ltd.", "Northwind Traders", "Globex Corporation", "Initech Solutions LLC",
    "Umbrella Logistics GmbH", "Stark Industrial Components", "Wayne Enterprises Inc.",
    "Wonka Confectionery Co.", "Tyrell Systems Pty Ltd", "Cyberdyne Robotics",
    "Soylent Food Services", "Hooli Cloud Services", "Vandelay Import Export",
    "Pied Piper Data Ltd.", "Oscorp Chemicals", "Massive Dynamic Labs",
    "Blue Sun Beverages", "Gringotts Facility Mgmt", "Monarch Office Furniture",
    "Dunder Mifflin Paper Co.", "Sterling Cooper Advertising", "Prestige Worldwide Events",
    "Bluth Property Holdings", "Krusty Catering Services", "Nakatomi Trading Corp.",
    "Gekko & Partners Consulting", "Los Pollos Distribution", "Kwik-E-Mart Wholesale",
    "Rekall Travel Agency", "Planet Express Couriers", "Aperture Science Supplies",
    "Black Mesa Engineering", "Weyland Yutani Freight", "Virtucon Packaging Ltd.",
    "Spacely Sprockets Inc.", "Cogswell Cogs Manufacturing", "Zorg Industries SA",
    "Ollivanders Woodworks", "Duff Brewing Company", "Sirius Cybernetics Corp.",
    "Tessier-Ashpool Security", "Yoyodyne Propulsion Systems", "Callahan Auto Parts",
    "Bubba Gump Seafood Co.", "Central Perk Coffee", "Strickland Propane Supply",
    "Frobozz Magic Utilities", "Ghostbusters Pest Control", "Ecto Cleaning Services",
    "Jupiter Mining Corporation",
]
BANK_ONLY_NAMES = ["SERVICE CHARGE", "ACCOUNT MAINTENANCE FEE", "INTEREST CREDIT",
                   "CARD PROCESSING FEE", "FX CONVERSION FEE"]


def bank_name(name: str, rng: random.Random, typo: bool) -> str:
    """How the bank prints ``name``: upper case, no punctuation, at most 22 characters."""
    text = "".join(c for c in name.upper() if c.isalnum() or c == " ")
    text = " ".join(text.split())[:22].rstrip()
    if typo:
        chars = list(text)
        positions = [i for i, c in enumerate(chars) if c.isalpha()]
        i = rng.choice(positions[1:-1])
        kind = rng.choice(["swap", "drop", "replace"])
        if kind == "swap" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif kind == "drop":
            del chars[i]
        else:
            chars[i] = rng.choice(string.ascii_uppercase.replace(chars[i], ""))
        text = "".join(chars)
    return text


def money(cents: int) -> str:
    return f"{cents / 100:.2f}"


def generate() -> None:
    rng = random.Random(SEED)
    ledger: list[dict[str, object]] = []
    bank: list[dict[str, object]] = []
    truth: list[dict[str, object]] = []

    for n in range(SHARED):
        day = START + timedelta(days=rng.randrange(DAYS))
        name = rng.choice(COUNTERPARTIES)
        receipt = rng.random() < 0.45
        cents = rng.randint(2_000, 2_500_000) * (1 if receipt else -1)
        reference = f"{'INV' if receipt else 'PAY'}-24-{n + 1:05d}"
        roll = rng.random()
        outcome, noise = "exact", []
        bank_ref, ledger_ref, bank_cents = reference, reference, cents
        shift = rng.choice([0, 0, 0, 1, 1, 2, 3])
        if roll < 0.06:
            outcome, bank_ref = "fuzzy", ""
            noise.append("bank reference missing")
        elif roll < 0.10:
            outcome, ledger_ref = "fuzzy", ""
            noise.append("ledger reference missing")
        elif roll < 0.14:
            outcome = "fuzzy"
            bank_cents += rng.choice([-1, 1])
            noise.append("amount off by one cent")
        elif roll < 0.155:
            outcome, bank_ref, shift = "unmatched", "", rng.randint(5, 9)
            noise.append("posted late without reference")
        elif roll < 0.17:
            outcome = "unmatched"
            bank_cents -= 1250
            noise.append("bank fee deducted")
        if shift:
            noise.append(f"posted {shift} day(s) later")
        typo = rng.random() < 0.25
        if typo:
            noise.append("counterparty typo")
        ledger.append({"date": day, "reference": ledger_ref, "counterparty": name, "cents": cents, "key": n})
        bank.append({"date": day + timedelta(days=shift), "reference": bank_ref,
                     "counterparty": bank_name(name, rng, typo), "cents": bank_cents, "key": n})
        truth.append({"key": n, "expected": outcome, "noise": noise})

    for n in range(BANK_ONLY):
        day = START + timedelta(days=rng.randrange(DAYS))
        name = rng.choice(BANK_ONLY_NAMES)
        sign = 1 if name == "INTEREST CREDIT" else -1
        bank.append({"date": day, "reference": "" if rng.random() < 0.5 else f"BK{rng.randrange(10**8):08d}",
                     "counterparty": name, "cents": sign * rng.randint(150, 9_500), "key": f"bank-{n}"})
    for n in range(LEDGER_ONLY):
        day = START + timedelta(days=DAYS - 10 + rng.randrange(10))
        receipt = rng.random() < 0.3
        ledger.append({"date": day, "reference": f"{'DEP' if receipt else 'CHQ'}-24-{n + 1:04d}",
                       "counterparty": rng.choice(COUNTERPARTIES),
                       "cents": rng.randint(5_000, 900_000) * (1 if receipt else -1), "key": f"ledger-{n}"})

    ids: dict[str, dict[object, str]] = {}
    for side, rows, prefix in (("bank", bank, "BNK"), ("ledger", ledger, "GL")):
        rows.sort(key=lambda r: (r["date"], str(r["reference"]), r["cents"]))
        ids[side] = {}
        with (HERE / f"{'bank_statement' if side == 'bank' else 'ledger'}.csv").open("w", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["id", "date", "reference", "counterparty", "amount"])
            for i, row in enumerate(rows, 1):
                row_id = f"{prefix}-{i:04d}"
                ids[side][row["key"]] = row_id
                writer.writerow([row_id, row["date"].isoformat(), row["reference"], row["counterparty"], money(row["cents"])])

    pairs = [{"bank": ids["bank"][t["key"]], "ledger": ids["ledger"][t["key"]],
              "expected": t["expected"], "noise": t["noise"]} for t in truth]
    pairs.sort(key=lambda p: p["bank"])
    counts = {k: sum(p["expected"] == k for p in pairs) for k in ("exact", "fuzzy", "unmatched")}
    expected = {
        "bank_rows": len(bank), "ledger_rows": len(ledger),
        "exact": counts["exact"], "fuzzy": counts["fuzzy"],
        "unmatched_bank": counts["unmatched"] + BANK_ONLY,
        "unmatched_ledger": counts["unmatched"] + LEDGER_ONLY,
    }
    document = {
        "seed": SEED,
        "defaults": {"threshold": 85, "max_days": 3, "amount_tolerance": 0.01},
        "expected": expected,
        "pairs": pairs,
        "bank_only": sorted(v for k, v in ids["bank"].items() if isinstance(k, str)),
        "ledger_only": sorted(v for k, v in ids["ledger"].items() if isinstance(k, str)),
    }
    lines = [json.dumps(pair) for pair in pairs]
    text = json.dumps({**document, "pairs": "@PAIRS@"}, indent=1)
    text = text.replace('"@PAIRS@"', "[\n  " + ",\n  ".join(lines) + "\n ]")
    (HERE / "ground_truth.json").write_text(text + "\n")
    print(json.dumps(expected))


if __name__ == "__main__":
    generate()
