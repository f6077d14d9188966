"""Typed node contracts: @node carries the input/output models a node function declares."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from orchestrator.runtime import ContractModel, node
from orchestrator.runtime.contract import contract_of


class Greeting(BaseModel):
    name: str = "World"


class Message(BaseModel):
    message: str


def test_models_given_to_node_become_its_contract_and_the_function_still_gets_the_payload():
    # GIVEN a function declaring its models on @node
    seen = {}

    def handle(inputs, ctx=None):
        """Greet someone."""
        seen["inputs"] = inputs
        return {"message": f"Hello, {inputs['name']}!"}

    handler = node(handle, input=Greeting, output=Message)
    # WHEN it is called
    result = handler({"name": "Ada"})
    # THEN it received the plain payload, and the contract describes both sides
    assert seen["inputs"] == {"name": "Ada"}
    assert result == {"message": "Hello, Ada!"}
    contract = contract_of(handler)
    assert contract.description == "Greet someone."
    assert contract.input_schema()["properties"]["name"]["default"] == "World"
    assert contract.output_schema()["required"] == ["message"]


def test_type_hints_declare_the_contract_and_the_function_gets_the_parsed_model():
    # GIVEN a function whose hints name pydantic models
    @node
    def handler(inputs: Greeting, ctx: object) -> Message:
        return Message(message=f"Hello, {inputs.name}!")

    # WHEN it is called with JSON data
    # THEN it gets the model, and its returned model is dumped to JSON data
    assert handler({}) == {"message": "Hello, World!"}
    assert contract_of(handler).input is Greeting
    assert contract_of(handler).output is Message
    # AND an input that does not fit the hinted model fails like any node error
    with pytest.raises(ValidationError):
        handler({"name": ["not", "a", "string"]})


def test_a_function_without_models_has_an_empty_contract():
    @node
    def handler(inputs):
        return inputs

    assert contract_of(handler).input is None
    assert contract_of(handler).input_schema() is None


class LazyIn(ContractModel):
    name: str = "World"


class LazyOut(ContractModel):
    message: str


def test_contract_models_are_built_on_first_use_and_behave_as_any_model():
    # GIVEN contract models on ContractModel, for a node that parses its input by type hint
    In, Out = LazyIn, LazyOut

    @node
    def handler(inputs: LazyIn, ctx: object) -> LazyOut:
        return LazyOut(message=f"Hello, {inputs.name}!")

    # THEN declaring them built nothing yet (a Lambda that never validates never pays for it)
    assert not In.__pydantic_complete__
    assert not Out.__pydantic_complete__
    # WHEN the node is called, and its contract read
    assert handler({"name": "Ada"}) == {"message": "Hello, Ada!"}
    with pytest.raises(ValidationError):
        handler({"name": 1})
    # THEN they validate, dump and describe themselves as a BaseModel does
    assert contract_of(handler).input_schema()["properties"]["name"]["default"] == "World"
    assert contract_of(handler).output_schema()["required"] == ["message"]


def test_the_runtime_and_a_node_without_models_do_not_import_pydantic():
    # GIVEN a fresh interpreter (a cold Lambda) running a node function without models
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from orchestrator.runtime import node\n"
        "handler = node(lambda inputs: {'n': inputs['n'] + 1}, name='inc')\n"
        "assert handler({'n': 1}) == {'n': 2}\n"
        "print('pydantic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    # THEN it ran without importing pydantic
    assert done.stdout.strip() == "False"
