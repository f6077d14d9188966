"""Records as ``@dataclass`` makes them, written out by hand: cheaper to import in a Lambda.

``@dataclass`` builds each class's methods from source text with ``exec`` (three to six per
class): for the store's five records and ``sigv4.Credentials``, ~30 ``exec`` calls and ~4.6 ms
of the ~20 ms the DynamoDB store added to a node's cold start (the runtime's ``NodePayload``
and ``Fanout``, made on every cold start too, are records as well). A :class:`Record` subclass lists
its fields once, in ``_FIELDS`` (constructor order; also its ``__slots__`` and
``__match_args__``), and sets each in an explicit ``__init__``; it gets the dataclass's ``repr``,
``==`` and :func:`as_dict` (``dataclasses.asdict``). A :class:`FrozenRecord` is also hashable by
its fields and raises :class:`dataclasses.FrozenInstanceError` on assignment, as a frozen
dataclass (its ``__init__`` sets fields with ``object.__setattr__``). Tested against the
dataclasses they replace (``tests/unit/test_records.py``).
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from reprlib import recursive_repr
from typing import TYPE_CHECKING, Any, ClassVar

__all__ = ["FrozenRecord", "Record", "as_dict", "copied"]


class Record:
    """What ``@dataclass`` gives a class, written once: a subclass lists its fields in
    ``_FIELDS`` (in constructor order) and sets each one in its ``__init__``.

    ``repr`` shows every field; ``==`` compares the fields of two instances of the same class
    (else ``NotImplemented``); copy and pickle rebuild a record with its constructor."""

    __slots__ = ()
    _FIELDS: ClassVar[tuple[str, ...]] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._FIELDS])

    @recursive_repr()
    def __repr__(self) -> str:
        fields = ", ".join([f"{name}={getattr(self, name)!r}" for name in self._FIELDS])
        return f"{self.__class__.__qualname__}({fields})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Record) and other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, self._values())


class FrozenRecord(Record):
    """A record whose fields are set once, by ``__init__`` (with ``object.__setattr__``), as a
    frozen dataclass: hashable by its fields; assigning or deleting raises
    :class:`dataclasses.FrozenInstanceError`."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())

    if not TYPE_CHECKING:  # (mypy would take a __setattr__ to allow any attribute)

        def __setattr__(self, name: str, value: Any) -> None:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")

        def __delattr__(self, name: str) -> None:
            raise FrozenInstanceError(f"cannot delete field {name!r}")


_ATOMIC = frozenset({type(None), bool, int, float, str})
"""Types whose values ``copy.deepcopy`` returns as they are."""


def as_dict(record: Record) -> dict[str, Any]:
    """``dataclasses.asdict(record)``: its fields in order, each value copied by :func:`copied`."""
    return {name: copied(getattr(record, name)) for name in record._FIELDS}


def copied(value: Any) -> Any:
    """A field's value as ``dataclasses.asdict`` copies it: lists, tuples and dicts rebuilt
    (their items copied), a record or dataclass made a dict, anything else ``copy.deepcopy``'d."""
    kind = value.__class__
    if kind in _ATOMIC:
        return value
    if kind is list:
        return [copied(item) for item in value]
    if kind is dict:
        return {copied(key): copied(item) for key, item in value.items()}
    if isinstance(value, Record):
        return as_dict(value)
    if hasattr(kind, "__dataclass_fields__"):
        from dataclasses import fields

        return {f.name: copied(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple: the same type
        return kind(*[copied(item) for item in value])
    if isinstance(value, list | tuple):
        return kind(copied(item) for item in value)
    if isinstance(value, dict):
        return kind((copied(key), copied(item)) for key, item in value.items())
    import copy

    return copy.deepcopy(value)
