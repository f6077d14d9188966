"""Helpers for tests of code that threads share."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["frequent_switches"]


@contextmanager
def frequent_switches() -> Iterator[None]:
    """The interpreter switches threads as often as it can: races show up, if there are any."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
