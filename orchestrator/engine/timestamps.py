"""RFC 3339 timestamps as Step Functions reads and writes them.

* :func:`parse_timestamp` — ``"2016-03-14T01:59:00Z"``, fractions up to nanoseconds and
  ``±hh:mm`` offsets; returns ``(epoch_seconds, nanoseconds)`` (exact, comparable) or None
  when the text is not a valid timestamp (a missing offset, hour 25, ...).
* :func:`format_timestamp` — epoch seconds to ``2024-01-01T00:00:00.000Z`` (the context
  object's ``StartTime``/``EnteredTime`` format).
"""

from __future__ import annotations

import re
import time
from typing import Any

__all__ = ["format_timestamp", "parse_timestamp", "timestamp_seconds"]

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})"
)


def parse_timestamp(text: Any) -> tuple[int, int] | None:
    if not isinstance(text, str):
        return None
    m = _RFC3339.fullmatch(text)
    if not m:
        return None
    import calendar  # on first use: with locale, ~1 % of a flowctl run that parses no timestamp
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if not (1 <= month <= 12 and 0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 60):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    nanos = int((m.group(7) or "").ljust(9, "0"))
    offset = 0
    zone = m.group(8)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            return None
        offset = sign * (oh * 3600 + om * 60)
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - offset
    return seconds, nanos


def timestamp_seconds(parsed: tuple[int, int]) -> float:
    return parsed[0] + parsed[1] / 1e9


def format_timestamp(epoch: float) -> str:
    whole = int(epoch // 1)
    millis = int(round((epoch - whole) * 1000))
    if millis == 1000:
        whole, millis = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"
