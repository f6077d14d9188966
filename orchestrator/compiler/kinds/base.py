"""What a node kind is to each stage: :class:`NodeKind`, the base of the one module per kind.

A kind module holds, for its kind, every place a node kind matters:

* ``emit`` — its ASL states (and ``emit_handler`` when it may be a catch handler);
* ``cost`` — its share of the worst-case cost (``flowctl compile --report``);
* ``label`` and the Mermaid/DOT shapes — how ``flowctl graph`` and the README draw it;
* ``check`` and ``expressions`` — its semantic validation and the JSONata it holds;
* flags the generic rules read (``takes_with``, ``takes_timeout``, ``handles_errors``, ...).

The registry (:data:`orchestrator.compiler.kinds.KINDS`) maps each kind of
:data:`orchestrator.flowlang.model.NODE_KINDS` to its module's instance.
"""

from __future__ import annotations

from typing import Any, Protocol

from orchestrator.compiler.cost import Cost, Estimator
from orchestrator.compiler.emitter import Emitter, Scope
from orchestrator.compiler.errors import CompileError
from orchestrator.flowlang.model import Body, Node

__all__ = ["Checks", "Expression", "NodeKind"]

Expression = tuple[list[Any], Any, set[str], bool]
"""(path under the node, value, extra variables it may read, bare: a whole-string condition)."""


class Checks(Protocol):
    """What a kind's :meth:`NodeKind.check` may use of the flow's checker
    (:class:`orchestrator.compiler.checker.Checker`)."""

    def add(self, path: list[Any], message: str, hint: str = "") -> None:
        """Report a problem at ``path`` (JSON pointer parts)."""

    def ref(self, path: list[Any], target: str, what: str) -> bool:
        """Whether ``target`` is a node of the flow (a problem is reported if not)."""

    def check_function(self, path: list[Any], name: str) -> None:
        """Report a function that is reserved or has no ``functions/<name>/app.py``."""

    def check_subflow(self, path: list[Any], ref: Any) -> None:
        """Report a sub-flow that is the flow itself or is not in ``flows/``."""

    def check_body(self, path: list[Any], body: Body) -> None:
        """Report a foreach/while body without exactly one of uses/flow/set, or a bad reference."""


class NodeKind:
    """One node kind. Subclasses set :attr:`name` and override what applies to them."""

    name: str = ""
    mermaid_shape: tuple[str, str] = ("[", "]")
    dot_shape: str = "box"
    takes_with: bool = False
    """``with`` is its input (it calls a function or a flow)."""
    takes_aggregate: bool = False
    """``aggregate`` may shape its input from its predecessors' outputs."""
    takes_timeout: bool = False
    """Step Functions can time it out (a Task)."""
    handles_errors: bool = False
    """It may be a catch handler (see :meth:`emit_handler`)."""
    ends_path: bool = False
    """Nothing runs after it (``fail``, ``succeed``): not a sink whose output is the flow's."""
    timeout_hint: str = "Step Functions supports timeouts on tasks only; put the timeout on the function"
    """What to do instead when a node of this kind is given a ``timeout`` it does not take."""

    # -- compile --------------------------------------------------------------------------------
    def emit(self, b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
             out: dict[str, Any] | None) -> str:
        """Add the node's states to ``states`` (continuing at ``nxt``); return its entry state.
        ``out`` is what a branch of a Parallel outputs (for a ``succeed`` that ends it)."""
        raise CompileError(f"/nodes/{node_id}", f"cannot compile a node of kind {self.name!r}")

    def emit_handler(self, b: Emitter, name: str, handler_id: str, node_id: str, scope: Scope,
                     states: dict[str, Any], nxt: str) -> None:
        """Add state ``name``: this node handling the error of ``node_id`` (its input is the error)."""
        raise CompileError(f"/nodes/{handler_id}", f"a {self.name} node cannot be a catch handler")

    # -- report ---------------------------------------------------------------------------------
    def cost(self, est: Estimator, node: Node) -> Cost:
        """The node's worst-case share of a run's cost."""
        return Cost(1)

    # -- render ---------------------------------------------------------------------------------
    def label(self, node: Node) -> str:
        """The short text under the node's id in a graph."""
        return self.name

    # -- validate -------------------------------------------------------------------------------
    def check(self, c: Checks, base: list[Any], node_id: str, node: Node) -> None:
        """Add the problems of the kind's own fields (``base``: the node's path) to ``c``."""

    def expressions(self, node_id: str, node: Node, handler_vars: set[str]) -> list[Expression]:
        """Every JSONata expression of the kind's own fields (``with``, ``aggregate`` are the
        checker's); ``handler_vars`` are the variables a catch handler may read."""
        return []
