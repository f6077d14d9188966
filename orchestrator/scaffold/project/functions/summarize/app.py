"""Fan in: summarize the counts of every word.

Input: ``{"counts": [{"word": "the", "letters": 3}, ...], "title": "THE QUICK BROWN FOX"}``.
Output: ``{"title": ..., "words": 4, "letters": 16, "longest": "quick"}``.
"""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


@node
def lambda_handler(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    counts = inputs["counts"]
    longest = max(counts, key=lambda c: c["letters"])["word"] if counts else None
    return {
        "title": inputs.get("title", ""),
        "words": len(counts),
        "letters": sum(c["letters"] for c in counts),
        "longest": longest,
    }
