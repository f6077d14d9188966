"""EventBridge schedule expressions as a flow writes them: ``cron(...)`` / ``rate(...)`` syntax.

Used by validation (:mod:`orchestrator.compiler.validate`), synth (the Scheduler resources) and
``flowctl serve`` (its local scheduler).
"""

from __future__ import annotations

import re

__all__ = ["cron_problem", "normalize_cron", "rate_problem"]

_RATE = re.compile(r"^(?:rate\()?\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)?$")


def normalize_cron(expr: str) -> str:
    """``cron(0 2 * * ? *)`` or ``0 2 * * ? *`` → ``0 2 * * ? *``."""
    text = expr.strip()
    if text.startswith("cron(") and text.endswith(")"):
        text = text[5:-1]
    return " ".join(text.split())


def cron_problem(expr: str) -> str | None:
    """Why ``expr`` is not a valid EventBridge cron expression, or None."""
    text = normalize_cron(expr)
    fields = text.split()
    if len(fields) != 6:
        return f"EventBridge cron has 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
    if fields[2] != "?" and fields[4] != "?":
        return "one of day-of-month or day-of-week must be '?'"
    try:
        from aws_croniter import AwsCroniter

        AwsCroniter(text)
    except ImportError:  # pragma: no cover - dependency is pinned
        return None
    except Exception as exc:
        return f"invalid cron: {exc}"
    return None


def rate_problem(expr: str) -> str | None:
    match = _RATE.match(expr.strip())
    if not match:
        return "a rate is 'N minutes|hours|days', e.g. '5 minutes' or 'rate(1 hour)'"
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        return "a rate must be at least 1"
    if (value == 1) != (not unit.endswith("s")):
        return f"use '{value} {unit.rstrip('s') if value == 1 else unit + ('' if unit.endswith('s') else 's')}'"
    return None
