"""The JSON text of a step's output, with its ``context`` written from a template.

A step of a node that called a function records the payload's ``context`` with its input and
output (``flowctl events sample`` writes it back). The contexts of one node's steps in one run
differ only in their ``attempt`` and ``index``; the rest (the flow, the run, its execution ARN,
the foreach, its total) is the same for every item of a foreach. Encoding that again for each
of 10,000 items was 30k of the 52k instructions that encoding a step's output took (issue 14,
measured with cachegrind). :func:`step_output_text` writes the shared part once per node and
run, as a template with two holes, and the rest of the output with the encoder.

The text is exactly :func:`orchestrator.store.items.encode_json`'s (tested): a context that
does not match its node's template, or an output of another shape, is encoded as it is.

Example::

    >>> step = Step("r1", "each/do", "SUCCEEDED", 3, output={"input": 1, "output": 2,
    ...             "context": {"node": "each", "run_id": "r1", "attempt": 0, "index": 3}})
    >>> step_output_text(step)
    '{"context":{"attempt":0,"index":3,"node":"each","run_id":"r1"},"input":1,"output":2}'
"""

from __future__ import annotations

from typing import Any

from orchestrator.store.items import encode_json
from orchestrator.store.models import Step

__all__ = ["step_output_text"]

_HOLES = ("attempt", "index")
"""The context's keys that differ from one step of a node to the next (in their sorted order)."""
_MARKS = ("-7300000000000000001", "-7300000000000000002")
"""What the template is cut at: integers written in the holes (a template whose shared part
contains one of them is not made)."""
_RECORDED = frozenset({"context", "input", "output", "params"})
"""The keys of a step's output that :func:`step_output_text` writes (``context`` sorts first)."""
_KEEP = 256
"""Templates kept (one per node and run; all are dropped when there are more)."""


_PLAIN = frozenset({str, int, type(None)})
"""The types of the shared values a template is made of: an equal value of another type (1.0
and 1, True and 1 are equal) would be written otherwise, so the types are compared too."""


class _Template:
    """The text of one node's contexts: ``head``, the attempt, ``middle``, the index, ``tail``."""

    __slots__ = ("head", "middle", "shared", "tail", "types")

    def __init__(self, shared: dict[str, Any], head: str, middle: str, tail: str) -> None:
        self.shared = shared
        self.types = tuple(map(type, shared.values()))
        self.head = head
        self.middle = middle
        self.tail = tail

    @classmethod
    def of(cls, context: dict[str, Any]) -> _Template | None:
        """The template of ``context``'s shared part, or None: a shared value is not a string,
        an integer or null, or the text cannot be cut at the marks."""
        shared = dict(context)
        del shared[_HOLES[0]], shared[_HOLES[1]]
        if not _PLAIN.issuperset(map(type, shared.values())):
            return None
        text = encode_json({**context, _HOLES[0]: int(_MARKS[0]), _HOLES[1]: int(_MARKS[1])})
        head, found, rest = text.partition(_MARKS[0])
        middle, found_too, tail = rest.partition(_MARKS[1])
        if not (found and found_too) or _MARKS[0] in rest or _MARKS[1] in head or _MARKS[1] in tail:
            return None  # (a shared value's text holds a mark)
        return cls(shared, head, middle, tail)

    def text(self, context: dict[str, Any]) -> str | None:
        """``encode_json(context)``, or None if ``context`` is not one of this template's.
        (Its holes are integers: :func:`_context_text` looked before.)"""
        shared = context.copy()
        attempt = shared.pop(_HOLES[0])
        index = shared.pop(_HOLES[1])
        if shared != self.shared or tuple(map(type, shared.values())) != self.types:
            return None
        return f"{self.head}{attempt}{self.middle}{index}{self.tail}"


_NONE = object()
"""In :data:`_seen`: the node's contexts make no template."""
_seen: dict[tuple[str, str, int], Any] = {}
"""(run, node, round) → its :class:`_Template`; before that, the first context seen (a node
called once makes no template), or :data:`_NONE`."""


def _context_text(step: Step, context: dict[str, Any]) -> str | None:
    """``encode_json(context)`` from its node's template, or None (no template yet: it is made
    the second time a node records a step, from the first one's context)."""
    if type(context.get(_HOLES[0])) is not int or type(context.get(_HOLES[1])) is not int:
        return None
    key = (step.run_id, step.node, step.redrive)
    known = _seen.get(key)
    if known is _NONE:
        return None
    if type(known) is dict:
        known = _Template.of(known)
        if known is None:
            _seen[key] = _NONE
            return None
        _seen[key] = known
    if known is not None:
        text = known.text(context)
        if text is not None:
            return text
    # The first step of the node, or a context of other shared values: the next may match it.
    if len(_seen) >= _KEEP:
        _seen.clear()
    _seen[key] = dict(context)
    return None


def step_output_text(step: Step) -> str | None:
    """``encode_json(step.output)`` (None for no output), its ``context`` from a template."""
    output = step.output
    if output is None:
        return None
    if type(output) is dict:
        context = output.get("context")
        if type(context) is dict and output.keys() <= _RECORDED:
            context_text = _context_text(step, context)
            if context_text is not None:
                if len(output) == 1:
                    return f'{{"context":{context_text}}}'
                rest = output.copy()
                del rest["context"]
                return f'{{"context":{context_text},{encode_json(rest)[1:]}'
    return encode_json(output)

