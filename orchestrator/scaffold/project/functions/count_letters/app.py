"""Count the letters of one word: runs once per item of the fan-out, in parallel.

Input: ``{"word": "quick"}``.
Output: ``{"word": "quick", "letters": 5}``.
"""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


@node
def lambda_handler(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    word = str(inputs["word"])
    return {"word": word, "letters": sum(ch.isalpha() for ch in word)}
