"""The boto3-free attribute-value mapping is boto3's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from orchestrator.store.dynamodb_types import deserialize, serialize

VALUES = [None, True, False, 0, -7, 2**70, Decimal("1.5"), "", "text", b"\x00bytes", {"a"}, {1, 2}, [],
          [1, "a", None, [True]], {}, {"k": {"n": [Decimal("0.1"), {"deep": "x"}]}}]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_serialize_and_deserialize_as_boto3(value: object) -> None:
    attribute = TypeSerializer().serialize(value)
    assert serialize(value) == attribute
    expected = TypeDeserializer().deserialize(attribute)
    got = deserialize(attribute)
    assert got == (expected.value if hasattr(expected, "value") else expected)


@pytest.mark.parametrize("value", [1.5, float("nan"), object(), Decimal("Infinity")], ids=repr)
def test_what_boto3_refuses_is_refused(value: object) -> None:
    with pytest.raises(TypeError):
        TypeSerializer().serialize(value)
    with pytest.raises(TypeError):
        serialize(value)
