"""Serve a flow the builder just saved, without restarting ``flowctl serve``.

Uses the server's own ``reload_flow(name)`` when it has one; otherwise compiles the flow,
deploys it on the server's local engine and tells its platform the new state machine (the
same steps the server takes at start-up for every flow).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from orchestrator.errors import FlowctlError

__all__ = ["register_flow"]


def register_flow(app: Any, path: Path) -> bool:
    """Make the flow at ``path`` runnable on ``app``; False when it cannot be."""
    name = path.stem
    reload = getattr(app, "reload_flow", None)
    if callable(reload):
        reload(name)
        return True
    bridge = getattr(app, "bridge", None)
    platform = getattr(app, "platform", None)
    if bridge is None or platform is None:
        return False
    from orchestrator.compiler import compile_flow_file

    try:
        compiled = compile_flow_file(path, getattr(app, "project", None))
    except FlowctlError:
        return False
    arn = bridge.deploy_flow(compiled)
    platform.config.state_machines[name] = arn
    runs = vars(platform).get("runs")  # the run service, once created, keeps its own copy
    if runs is not None and isinstance(getattr(runs, "state_machines", None), dict):
        runs.state_machines[name] = arn
    with contextlib.suppress(AttributeError):
        platform.catalog._cache.pop(name, None)
    with contextlib.suppress(AttributeError, TypeError):
        app.compiled[name] = compiled
        app.flows[name] = compiled.flow
    return True
