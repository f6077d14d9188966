"""The store's records (``Step``, ``Run``, ``RunPage``, ``Waiter``, ``BufferedEvent``),
``sigv4.Credentials`` and the runtime's ``NodePayload`` and ``Fanout`` are hand-written classes (cheaper to import than ``@dataclass``) that behave
as the dataclasses they were: each is checked here against that dataclass, built at test time
with ``dataclasses.make_dataclass`` from the fields, defaults and frozen flag they had."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from collections import namedtuple
from dataclasses import FrozenInstanceError, asdict, field, make_dataclass
from typing import Any, NamedTuple

import pytest

from orchestrator.runtime.context import NodePayload
from orchestrator.runtime.fanout import Fanout
from orchestrator.store.models import BufferedEvent, Run, RunPage, Step, Waiter
from orchestrator.store.sigv4 import Credentials


def _credentials_repr(self: Any) -> str:
    return f"Credentials(access_key={self.access_key!r})"


REF_STEP = make_dataclass(
    "Step",
    [
        ("run_id", str),
        ("node", str),
        ("status", str),
        ("index", int, field(default=0)),
        ("attempt", int, field(default=0)),
        ("started_at", str | None, field(default=None)),
        ("stopped_at", str | None, field(default=None)),
        ("duration_ms", int | None, field(default=None)),
        ("output", Any, field(default=None)),
        ("error", str | None, field(default=None)),
        ("cause", str | None, field(default=None)),
        ("redrive", int, field(default=0)),
    ],
)
REF_RUN = make_dataclass(
    "Run",
    [
        ("run_id", str),
        ("flow", str),
        ("status", str, field(default="PENDING")),
        ("version", int | None, field(default=None)),
        ("input", Any, field(default=None)),
        ("output", Any, field(default=None)),
        ("error", str | None, field(default=None)),
        ("cause", str | None, field(default=None)),
        ("trigger", str, field(default="api")),
        ("started_at", str | None, field(default=None)),
        ("stopped_at", str | None, field(default=None)),
        ("updated_at", str | None, field(default=None)),
        ("execution_arn", str | None, field(default=None)),
        ("idempotency_key", str | None, field(default=None)),
        ("redrive_count", int, field(default=0)),
        ("steps", list, field(default_factory=list)),
        ("progress", dict, field(default_factory=dict)),
        ("input_digest", str | None, field(default=None)),
    ],
)
REF_RUN_PAGE = make_dataclass(
    "RunPage", [("runs", list), ("next_token", str | None, field(default=None))], frozen=True
)
REF_WAITER = make_dataclass(
    "Waiter",
    [("event", str), ("key", str), ("run_id", str), ("node", str), ("token", str), ("created_at", str), ("expires_at", int)],
    frozen=True,
)
REF_BUFFERED_EVENT = make_dataclass(
    "BufferedEvent",
    [("event", str), ("key", str), ("event_id", str), ("data", Any), ("published_at", str), ("expires_at", int)],
    frozen=True,
)
REF_CREDENTIALS = make_dataclass(
    "Credentials",
    [("access_key", str), ("secret_key", str), ("token", str | None, field(default=None))],
    frozen=True,
    namespace={"__repr__": _credentials_repr},
)
REF_FANOUT = make_dataclass(
    "Fanout",
    [("key", str), ("aggregate", bool, field(default=False)), ("retry_errors", tuple, field(default=())),
     ("max_attempts", int, field(default=1)), ("batch", bool, field(default=False)),
     ("total", int | None, field(default=None)), ("items_from", dict | None, field(default=None))],
    frozen=True,
)
REF_NODE_PAYLOAD = make_dataclass(
    "NodePayload",
    [("input", Any), ("params", dict), ("flow", str), ("node", str), ("run_id", str), ("execution", str | None),
     ("attempt", int), ("index", int), ("tracked", bool), ("redrive", int, field(default=0)),
     ("fanout", Any, field(default=None))],
    frozen=True,
)


class Point(NamedTuple):
    x: Any
    y: Any


Pair = namedtuple("Pair", "a b")  # (the plain kind, too)


@dataclasses.dataclass
class Inner:
    """A dataclass in a value: ``asdict`` makes it a dict too."""

    name: str
    items: list[Any]


class Opaque:
    """An object ``asdict`` deep-copies."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and other.value == self.value

    def __repr__(self) -> str:
        return f"Opaque({self.value!r})"

    __hash__ = None  # type: ignore[assignment]


OUTPUT = {
    "a": [1, 2.5, {"b": (3, "x"), "c": None}],
    "flag": True,
    "nested": {"deep": {"list": [[1], [2, {"k": "v"}]]}},
    "point": Point([1], {"y": 2}),
    "pair": Pair((1, 2), [3]),
    "inner": Inner("i", [{"z": 1}]),
    "opaque": Opaque([1, 2]),
    "set": {1, 2},
    "bytes": b"\x00",
}


def _step_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "run_id": "r1", "node": "a", "status": "SUCCEEDED", "index": 3, "attempt": 1,
        "started_at": "2026-01-01T00:00:00.000Z", "stopped_at": "2026-01-01T00:00:01.000Z",
        "duration_ms": 1000, "output": copy.deepcopy(OUTPUT), "error": "E", "cause": "c", "redrive": 2,
    }  # fmt: skip
    return {**args, **changes}


def _run_args(step: type, **changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "run_id": "r1", "flow": "f", "status": "RUNNING", "version": 4, "input": {"in": [1, 2]},
        "output": copy.deepcopy(OUTPUT), "error": None, "cause": None, "trigger": "schedule",
        "started_at": "2026-01-01T00:00:00.000Z", "stopped_at": None,
        "updated_at": "2026-01-01T00:00:02.000Z", "execution_arn": "arn:x", "idempotency_key": "k",
        "redrive_count": 1, "steps": [step(**_step_args()), step("r1", "b", "FAILED")],
        "progress": {"each": {"succeeded": 3, "total": 5}}, "input_digest": "abc",
    }  # fmt: skip
    return {**args, **changes}


class Case(NamedTuple):
    cls: type
    reference: type
    full: Any  # (step class, run class) -> the keyword arguments of every field
    required: dict[str, Any]  # the arguments without a default


CASES = [
    Case(Step, REF_STEP, lambda s, r: _step_args(), {"run_id": "r1", "node": "a", "status": "RUNNING"}),
    Case(Run, REF_RUN, lambda s, r: _run_args(s), {"run_id": "r1", "flow": "f"}),
    Case(RunPage, REF_RUN_PAGE, lambda s, r: {"runs": [r("r1", "f"), r("r2", "f", steps=[s("r2", "a", "RUNNING")])], "next_token": "t"}, {"runs": []}),
    Case(Waiter, REF_WAITER, lambda s, r: {"event": "e", "key": "k", "run_id": "r1", "node": "n", "token": "tok", "created_at": "2026-01-01T00:00:00.000Z", "expires_at": 1_800_000_000}, {"event": "e", "key": "k", "run_id": "r1", "node": "n", "token": "tok", "created_at": "c", "expires_at": 1}),
    Case(BufferedEvent, REF_BUFFERED_EVENT, lambda s, r: {"event": "e", "key": "k", "event_id": "id", "data": {"x": [1, {"y": 2}]}, "published_at": "2026-01-01T00:00:00.000Z", "expires_at": 1_800_000_000}, {"event": "e", "key": "k", "event_id": "id", "data": None, "published_at": "p", "expires_at": 1}),
    Case(Fanout, REF_FANOUT, lambda s, r: {"key": "each", "aggregate": True, "retry_errors": ("States.ALL",), "max_attempts": 3, "batch": True, "total": 7, "items_from": {"Bucket": "b", "Key": "k"}}, {"key": "each"}),
    Case(NodePayload, REF_NODE_PAYLOAD, lambda s, r: {"input": {"x": [1]}, "params": {"p": 1}, "flow": "f", "node": "n", "run_id": "r1", "execution": "arn:x", "attempt": 1, "index": 2, "tracked": True, "redrive": 1, "fanout": Fanout("each", total=3)}, {"input": None, "params": {}, "flow": "f", "node": "n", "run_id": "r", "execution": None, "attempt": 0, "index": 0, "tracked": False}),
    Case(Credentials, REF_CREDENTIALS, lambda s, r: {"access_key": "AKID", "secret_key": "s3cr3t", "token": "session"}, {"access_key": "AKID", "secret_key": "s3cr3t"}),
]
IDS = [case.cls.__name__ for case in CASES]
FROZEN = [case for case in CASES if case.reference.__dataclass_params__.frozen]
MUTABLE = [case for case in CASES if not case.reference.__dataclass_params__.frozen]


def _pair(case: Case, **changes: Any) -> tuple[Any, Any]:
    """The class's instance and the reference's, from the same (full) arguments."""
    ours = case.cls(**{**case.full(Step, Run), **changes})
    theirs = case.reference(**{**case.full(REF_STEP, REF_RUN), **changes})
    return ours, theirs


def _hashable_pair(case: Case) -> tuple[Any, Any]:
    """As :func:`_pair`, with a hashable value for a field that holds a list or dict."""
    if case.cls is RunPage:
        return _pair(case, runs=())
    if case.cls is BufferedEvent:
        return _pair(case, data=("x", 1))
    if case.cls is Fanout:
        return _pair(case, items_from=None)
    if case.cls is NodePayload:
        return _pair(case, input=("x",), params=(), fanout=None)
    return _pair(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_signature_is_the_dataclass_signature(case: Case) -> None:
    ours = inspect.signature(case.cls).parameters
    theirs = inspect.signature(case.reference).parameters
    assert list(ours) == list(theirs)
    for name, param in theirs.items():
        assert ours[name].kind == param.kind
        if param.default is dataclasses.MISSING or repr(param.default) == "<factory>":
            assert ours[name].default in (inspect.Parameter.empty, None), name
        else:
            assert ours[name].default == param.default, name


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_repr_is_the_dataclass_repr(case: Case) -> None:
    ours, theirs = _pair(case)
    assert repr(ours) == repr(theirs)
    assert repr(case.cls(**case.required)) == repr(case.reference(**case.required))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_positional_and_keyword_construction_and_defaults(case: Case) -> None:
    full = case.full(Step, Run)
    by_keyword = case.cls(**full)
    by_position = case.cls(*full.values())
    assert by_position == by_keyword
    for name, value in full.items():
        assert getattr(by_position, name) is value
    minimal = case.cls(**case.required)
    reference = case.reference(**case.required)
    for f in dataclasses.fields(reference):
        assert getattr(minimal, f.name) == getattr(reference, f.name), f.name
    assert case.cls(*case.required.values()) == minimal
    with pytest.raises(TypeError):
        case.cls()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_match_args_are_the_fields_in_order(case: Case) -> None:
    assert case.cls.__match_args__ == case.reference.__match_args__


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_equality_as_the_dataclass(case: Case) -> None:
    ours, theirs = _pair(case)
    again, _ = _pair(case)
    assert ours == again
    assert (ours != again) is False
    assert ours == ours
    assert ours.__eq__(theirs) is NotImplemented  # another class, even with the same fields
    assert ours != theirs and theirs != ours
    assert ours != object() and ours != None  # noqa: E711
    other_cases = [c for c in CASES if c.cls is not case.cls]
    assert all(ours != c.cls(**c.required) for c in other_cases)
    for f in dataclasses.fields(theirs):  # one field different: unequal, as the dataclass
        changed, changed_ref = _pair(case, **{f.name: "different"})
        assert (ours == changed) is (theirs == changed_ref) is False, f.name
        assert ours != changed


@pytest.mark.parametrize("case", MUTABLE, ids=[c.cls.__name__ for c in MUTABLE])
def test_mutable_records_are_unhashable_and_assignable(case: Case) -> None:
    ours, theirs = _pair(case)
    assert case.cls.__hash__ is None and case.reference.__hash__ is None
    with pytest.raises(TypeError):
        hash(ours)
    with pytest.raises(TypeError):
        hash(theirs)
    ours.status = "ABORTED"
    assert ours.status == "ABORTED"
    with pytest.raises(AttributeError):  # __slots__: no attribute besides the fields
        ours.not_a_field = 1
    assert not hasattr(ours, "__dict__")


@pytest.mark.parametrize("case", FROZEN, ids=[c.cls.__name__ for c in FROZEN])
def test_frozen_records_hash_as_the_dataclass_and_refuse_changes(case: Case) -> None:
    ours, theirs = _hashable_pair(case)
    assert hash(ours) == hash(theirs)
    assert hash(ours) == hash(_hashable_pair(case)[0])
    if case.cls in (RunPage, BufferedEvent):  # a list of runs or dict data: unhashable, in both
        with pytest.raises(TypeError):
            hash(_pair(case)[0])
        with pytest.raises(TypeError):
            hash(_pair(case)[1])
    for name in [*case.reference.__match_args__, "not_a_field"]:
        with pytest.raises(FrozenInstanceError) as error:
            setattr(ours, name, 1)
        with pytest.raises(FrozenInstanceError) as expected:
            setattr(theirs, name, 1)
        assert str(error.value) == str(expected.value) == f"cannot assign to field {name!r}"
        with pytest.raises(FrozenInstanceError) as error:
            delattr(ours, name)
        with pytest.raises(FrozenInstanceError) as expected:
            delattr(theirs, name)
        assert str(error.value) == str(expected.value) == f"cannot delete field {name!r}"
    assert ours == _hashable_pair(case)[0]  # unchanged
    assert not hasattr(ours, "__dict__")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_copy_and_pickle_give_an_equal_record(case: Case) -> None:
    ours, _ = _pair(case)
    shallow, deep, pickled = copy.copy(ours), copy.deepcopy(ours), pickle.loads(pickle.dumps(ours))
    assert shallow == deep == pickled == ours
    assert type(pickled) is case.cls
    first = case.reference.__match_args__[0]
    assert getattr(shallow, first) is getattr(ours, first)


def test_each_run_gets_its_own_steps_and_progress() -> None:
    a, b = Run("r1", "f"), Run("r2", "f")
    assert a.steps == [] and a.progress == {}
    assert a.steps is not b.steps and a.progress is not b.progress
    a.steps.append(Step("r1", "n", "RUNNING"))
    a.progress["each"] = {"total": 1}
    assert b.steps == [] and b.progress == {}
    assert Run("r3", "f").steps == []
    steps: list[Step] = []
    assert Run("r4", "f", steps=steps).steps is steps  # one given is kept, not copied


def test_a_step_dict_is_the_dataclass_asdict() -> None:
    step, reference = _pair(CASES[0])
    data = step.to_dict()
    assert data == asdict(reference)
    assert list(data) == [f.name for f in dataclasses.fields(reference)]
    assert step.to_dict() == Step(**_step_args()).to_dict()
    assert Step("r", "n", "RUNNING").to_dict() == asdict(REF_STEP("r", "n", "RUNNING"))


def test_a_run_dict_is_the_dataclass_asdict_without_the_input_digest() -> None:
    run, reference = _pair(CASES[1])
    expected = asdict(reference)
    del expected["input_digest"]
    data = run.to_dict()
    assert data == expected
    assert list(data) == list(expected)
    assert data["steps"][0] == asdict(reference.steps[0]) == run.steps[0].to_dict()
    assert isinstance(data["steps"][0], dict)
    assert Run("r", "f").to_dict() == {k: v for k, v in asdict(REF_RUN("r", "f")).items() if k != "input_digest"}


def test_the_values_in_a_dict_are_copies_as_asdict_makes_them() -> None:
    run, reference = _pair(CASES[1])
    data, expected = run.to_dict(), asdict(reference)
    output, wanted = data["output"], expected["output"]
    for key in OUTPUT:
        assert output[key] == wanted[key], key
        assert type(output[key]) is type(wanted[key]), key
    assert output["inner"] == {"name": "i", "items": [{"z": 1}]}  # a dataclass: a dict
    assert type(output["point"]) is Point and type(output["pair"]) is Pair  # namedtuples stay
    assert output["a"][2]["b"] == (3, "x")
    for key in ("a", "nested", "inner", "opaque", "set", "point"):
        assert output[key] is not run.output[key], key
    assert output["opaque"].value is not run.output["opaque"].value
    assert data["input"] is not run.input
    assert data["progress"]["each"] is not run.progress["each"]


def test_changing_a_dict_leaves_the_record_as_it_was() -> None:
    run = Run(**_run_args(Step))
    before = repr(run)
    data = run.to_dict()
    data["output"]["a"][2]["c"] = "changed"
    data["output"]["a"].append(9)
    data["output"]["nested"]["deep"]["list"][1][1]["k"] = "w"
    data["output"]["point"].x.append(2)
    data["output"]["opaque"].value.append(3)
    data["output"]["set"].add(3)
    data["input"]["in"].append(3)
    data["steps"][0]["output"]["a"].append(9)
    data["steps"][0]["status"] = "FAILED"
    data["steps"].append({})
    data["progress"]["each"]["total"] = 99
    assert repr(run) == before
    assert run == Run(**_run_args(Step))
    step = run.steps[0]
    step_data = step.to_dict()
    step_data["output"]["nested"]["deep"]["list"].clear()
    assert step == Step(**_step_args())


def test_credentials_never_show_the_secret() -> None:
    credentials = Credentials("AKID", "s3cr3t", "session-token")
    assert repr(credentials) == "Credentials(access_key='AKID')"
    assert str(credentials) == repr(credentials) == repr(REF_CREDENTIALS("AKID", "s3cr3t", "session-token"))
    assert "s3cr3t" not in repr(credentials) and "session-token" not in f"{credentials}"
    assert "s3cr3t" not in repr([credentials]) and "s3cr3t" not in repr({"c": credentials})
    assert credentials.secret_key == "s3cr3t" and credentials.token == "session-token"


def test_a_record_holding_itself_prints_as_the_dataclass() -> None:
    step, reference = Step("r", "n", "RUNNING"), REF_STEP("r", "n", "RUNNING")
    step.output, reference.output = [step], [reference]
    assert repr(step) == repr(reference)
