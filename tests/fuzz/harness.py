"""What every fuzzer shares: weird JSON values, mutation of a document, a guarded run and a tally.

A case ends in one of: ``ok`` (a result, or flowctl's own error), ``escaped`` (any other
exception), ``hung`` (no answer within the wall-clock guard), ``5xx`` (an API answer that is
not deliberate) or ``looped`` (an endless state loop ended by the transition guard; the
25,000-history-event limit that ends it as AWS does belongs to the engine-fidelity work).
"""

from __future__ import annotations

import copy
import json
import math
import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

NIGHTLY = os.environ.get("FLOWCTL_FUZZ_EXAMPLES")
"""Set by `make fuzz`: the number of cases per fuzzer of the nightly run."""


def fuzz_settings(examples: int) -> Any:
    """``examples`` cases in `make test` (the same ones every time); FLOWCTL_FUZZ_EXAMPLES
    random ones in `make fuzz`."""
    return settings(
        max_examples=int(NIGHTLY) if NIGHTLY else examples,
        deadline=None,
        derandomize=not NIGHTLY,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )

TALLIES: dict[str, Counter[str]] = {}
"""Per fuzzer, how many cases ended how (printed at the end of the session)."""

EXAMPLES: dict[str, list[str]] = {}
"""Per fuzzer, the first few failing cases (for the failure message and the summary)."""


def tally(fuzzer: str, outcome: str, example: str = "") -> None:
    counts = TALLIES.setdefault(fuzzer, Counter())
    counts["tried"] += 1
    counts[outcome] += 1
    if outcome not in ("ok", "rejected", "looped") and len(EXAMPLES.setdefault(fuzzer, [])) < 5:
        EXAMPLES[fuzzer].append(example[:500])


def short(value: Any, size: int = 80) -> str:
    """A short text of any value (huge integers and deep nesting included)."""
    try:
        text = json.dumps(value, allow_nan=True, default=str)
    except (ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text[:size]


def deep(levels: int, leaf: Any = 1) -> Any:
    """``levels`` nested lists/objects around ``leaf`` (built iteratively)."""
    value = leaf
    for i in range(levels):
        value = [value] if i % 2 else {"a": value}
    return value


TRICKY_STRINGS = [
    "",
    "\ud800",
    "a\udfffb",
    "x" * 300,
    "[red]bold[/red]",
    "../../outside/secret",
    "$",
    "$.a",
    "$.a.b[0]",
    "$$.Execution.Id",
    "$$.Map.Item.Value",
    "$.",
    "$[",
    "{% %}",
    "{% $ %}",
    "{% $states.input %}",
    "{% $states.input.a + 1 %}",
    "{% $x %}",
    "{% $a[type] + %}",
    "{% $match('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', /(a+)+$/) %}",
    "{% $replace('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', /(a|aa)+$/, 'b') %}",
    "{% ($f := function($x){$x($x)}; $f($f)) %}",
    "{% ($f := function($n){$n > 0 ? $f($n - 1) : 0}; $f(100000)) %}",
    "{% [1..10000000] ~> $count() %}",
    "{% $string(1/0) %}",
    "{% $parse('{\"a\": NaN}') %}",
    "{% 1e400 %}",
    "States.Format('{}', $.a)",
    "States.Format('{} {}', 1)",
    "States.StringToJson($.a)",
    "States.JsonToString($)",
    "States.Array($, $, $)",
    "States.ArrayRange(0, 100000000, 1)",
    "States.ArrayRange(0, 10, 0)",
    "States.MathAdd(1e308, 1e308)",
    "States.MathRandom(1, 0)",
    "States.Hash($.a, 'MD5')",
    "States.Base64Decode('@@@')",
    "States.UUID()",
    "States.StringSplit($.a, '')",
    "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
    "JSONata", "JSONPath", "INLINE", "DISTRIBUTED", "STANDARD", "EXPRESS",
    "arn:aws:states:::http:invoke",
    "arn:aws:states:::lambda:invoke",
    "arn:aws:states:::aws-sdk:s3:getObject",
    "arn:aws:states:::aws-sdk:nosuchservice:doIt",
    "arn:aws:states:::dynamodb:putItem",
    "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "arn:aws:states:::states:startExecution.sync:2",
    "arn:aws:lambda:us-east-1:123456789012:function:nope",
    "2026-01-01T00:00:00Z",
    "not-a-date",
    "States.ALL",
    "States.TaskFailed",
]

JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 1, 2**63, -(2**63), 10**30, 10**4400, 99999999999]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, 0.5]),
    st.text(max_size=20),
    st.sampled_from(TRICKY_STRINGS),
)

WEIRD = st.one_of(
    JSON_LEAVES,
    st.lists(JSON_LEAVES, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(TRICKY_STRINGS)), JSON_LEAVES, max_size=4),
    st.builds(deep, st.sampled_from([50, 199, 201, 900, 3000, 50_000])),
)


@dataclass
class Mutation:
    """Where a document was changed and how (for failure messages)."""

    path: list[Any] = field(default_factory=list)
    action: str = ""


def mutate(data: st.DataObject, doc: Any, rounds: int = 3) -> tuple[Any, list[Mutation]]:
    """A copy of ``doc`` with up to ``rounds`` random changes (replace, delete, add a key, copy)."""
    doc = copy.deepcopy(doc)
    done = []
    for _ in range(data.draw(st.integers(1, rounds))):
        path: list[Any] = []
        parent: Any = None
        key: Any = None
        node = doc
        while isinstance(node, dict | list) and node and data.draw(st.integers(0, 4)) > 0:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            key = data.draw(st.sampled_from(keys))
            parent, node = node, node[key]
            path.append(key)
        action = data.draw(st.sampled_from(["replace", "replace", "delete", "add", "copy"]))
        if action == "replace" and parent is not None:
            parent[key] = data.draw(WEIRD)
        elif action == "delete" and parent is not None:
            del parent[key]
        elif action == "add" and isinstance(node, dict):
            node[data.draw(st.one_of(st.sampled_from(TRICKY_STRINGS), st.text(max_size=8)))] = data.draw(WEIRD)
        elif action == "copy" and parent is not None and isinstance(node, dict | list) and isinstance(parent, dict):
            try:
                parent[data.draw(st.sampled_from(TRICKY_STRINGS))] = copy.deepcopy(node)
            except RecursionError:  # a deep value put there by an earlier round: leave it
                continue
        else:
            continue
        done.append(Mutation(path, action))
    return doc, done


class Hung(Exception):
    """The call did not finish within the wall-clock guard."""


def guarded(call: Callable[[], Any], seconds: float) -> Any:
    """``call()`` in a daemon thread; its result or exception, or :class:`Hung` after ``seconds``."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            box["error"] = exc

    thread = threading.Thread(target=work, name="fuzz-case", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise Hung(f"no answer after {seconds} s")
    if "error" in box:
        raise box["error"]
    return box.get("result")
