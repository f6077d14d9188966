"""The base of a node's contract models: a pydantic model built on first use.

pydantic builds a model's validator and serializer when its class is created, unless the model
says ``defer_build``; a node Lambda whose models only document its payload (``node(handle,
input=In, output=Out)``) never validates them, and a node parsing its input builds its model on
the first call. ``flowctl functions``, ``flowctl validate`` and the builder read the schemas as
they do any model's.

Example::

    from orchestrator.runtime import ContractModel, node

    class Input(ContractModel):
        name: str = "World"
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["ContractModel"]


class ContractModel(BaseModel):
    """A pydantic ``BaseModel`` whose validator is built when first used (``defer_build``)."""

    model_config = ConfigDict(defer_build=True)
