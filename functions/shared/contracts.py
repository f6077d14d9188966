"""Models that several example functions' typed contracts share (``@node(input=, output=)``).

* :class:`Point`, :class:`Signal` — a price series' day and a crossover signal (ma-crossover);
* :class:`MatchOutput` — what both reconciliation matching passes return;
* :class:`DecisionInput`, :class:`DecisionOutput` — the KYC decision records
  (``mark_verified``, ``flag_review``).

Example (``functions/moving_average/app.py``)::

    from shared.contracts import Point

    class Input(ContractModel):
        series: list[Point]
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from orchestrator.runtime import ContractModel

__all__ = ["DecisionInput", "DecisionOutput", "MatchOutput", "Point", "Signal"]


class Point(ContractModel):
    """One day of a price series."""

    date: str
    close: float


class Signal(ContractModel):
    """A crossover: buy or sell at that day's close."""

    date: str
    type: Literal["buy", "sell"]
    price: float


class MatchOutput(ContractModel):
    """The pairs of a matching pass and the rows it left."""

    matched: list[dict[str, Any]]
    unmatched_bank: list[dict[str, Any]]
    unmatched_ledger: list[dict[str, Any]]
    counts: dict[str, int]


class DecisionInput(ContractModel):
    """The user, the combined result and where to write the record."""

    user: dict[str, Any] = Field(description="{id, name, ...}.")
    result: dict[str, Any] = Field(default_factory=dict, description="combine_results' output.")
    out_dir: str | None = Field(None, description="Local folder or s3:// prefix (default out/kyc).")


class DecisionOutput(ContractModel):
    """The decision as recorded."""

    user_id: str
    status: str
    reasons: list[str]
    record: str
