"""Wildcard string patterns: ``*`` matches any characters (none too), a backslash makes the
next character literal (``\\*`` a star, ``\\\\`` a backslash).

The one matcher of Step Functions' ``StringMatches`` (Choice rules) and EventBridge's
``wildcard`` filter (event patterns of triggers and the local event bus): both services give
``*`` and its backslash escapes the same meaning. What each service *accepts* as a pattern
differs (EventBridge rejects some at rule creation); that stays with each caller's checks.

Example::

    >>> compile_wildcard("log-*.txt").fullmatch("log-2024.txt") is not None
    True
    >>> compile_wildcard("a\\\\*b").fullmatch("axb") is None
    True
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["compile_wildcard"]


@lru_cache(maxsize=1024)
def compile_wildcard(pattern: str) -> re.Pattern[str]:
    """The regular expression that fully matches what ``pattern`` matches (use ``fullmatch``)."""
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        i += 1
    return re.compile("".join(parts), re.DOTALL)
