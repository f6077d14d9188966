"""Split a text into words: the fan-out's list of items.

Input: ``{"text": "the quick brown fox"}``.
Output: ``{"words": ["the", "quick", "brown", "fox"]}``.
"""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


@node
def lambda_handler(inputs: dict[str, Any], ctx: Any = None) -> dict[str, list[str]]:
    return {"words": str(inputs["text"]).split()}
