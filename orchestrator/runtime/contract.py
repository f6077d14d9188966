"""Typed node contracts: what a node function takes and gives, as pydantic models.

A function declares them on ``@node`` (``node(handle, input=In, output=Out)``) or with type hints
(``def handle(inputs: In, ctx) -> Out``). The decorated handler carries a :class:`Contract` as
``handler.contract``; ``flowctl functions``, ``flowctl validate`` (typed edges) and the builder's
forms read it. Declaring a contract never changes what the function receives with ``input=``
(the payload, as before); with a type hint the function receives the parsed model, as the hint
says, and a returned model is dumped to JSON data.

Models derived from :class:`~orchestrator.runtime.contract_model.ContractModel` (a pydantic
``BaseModel``) are built on first use, so a Lambda whose contract only documents its payload
never builds them. Importing this module does not import pydantic: a function without models
does not pay for it.

Example::

    class In(ContractModel):
        name: str = "World"

    class Out(ContractModel):
        message: str

    lambda_handler = node(handle, input=In, output=Out)
    lambda_handler.contract.input_schema()   # {"properties": {"name": ...}, ...}
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["Contract", "contract_of", "hinted_models", "is_model", "is_model_class"]


def is_model_class(value: Any) -> bool:
    """Whether ``value`` is a pydantic model class (False without importing pydantic when no
    code has imported it: then no model exists)."""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and inspect.isclass(value) and issubclass(value, pydantic.BaseModel)


def is_model(value: Any) -> bool:
    """Whether ``value`` is a pydantic model instance (same as :func:`is_model_class`)."""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(value, pydantic.BaseModel)


@dataclass(frozen=True)
class Contract:
    """A node function's input and output models (None: undeclared) and its description."""

    input: type[BaseModel] | None = None
    output: type[BaseModel] | None = None
    description: str = ""

    def input_schema(self) -> dict[str, Any] | None:
        """The input's JSON Schema (Draft 2020-12, as pydantic writes it), or None."""
        return self.input.model_json_schema() if self.input is not None else None

    def output_schema(self) -> dict[str, Any] | None:
        """The output's JSON Schema, or None."""
        return self.output.model_json_schema(mode="serialization") if self.output is not None else None

    def as_dict(self) -> dict[str, Any]:
        return {"description": self.description, "input": self.input_schema(), "output": self.output_schema()}


def _model(hint: Any) -> type[BaseModel] | None:
    return hint if is_model_class(hint) else None


def hinted_models(func: Callable[..., Any]) -> tuple[type[BaseModel] | None, type[BaseModel] | None]:
    """(input, output) models named by ``func``'s type hints: its first parameter and its return."""
    try:
        hints = typing.get_type_hints(func)
        params = list(inspect.signature(func).parameters)
    except Exception:  # unresolvable forward references, builtins: no hinted contract
        return None, None
    first = hints.get(params[0]) if params else None
    return _model(first), _model(hints.get("return"))


def contract_of(handler: Any) -> Contract | None:
    """The contract a ``@node`` handler carries, or None for a plain function."""
    found = getattr(handler, "contract", None)
    return found if isinstance(found, Contract) else None
