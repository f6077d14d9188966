"""``flowctl serve``: the application layer of a project, locally, in one process.

The cloud API handler over the local run store, the local engine in place of Step Functions
(:class:`~orchestrator.testing.StepFunctionsBridge`), a scheduler in place of EventBridge
Scheduler and a local event bus in place of EventBridge. Modules: :mod:`.http` (request and
response of mounted handlers), :mod:`.schedules` (fire times), :mod:`.scheduler`, :mod:`.bus`
(with EventBridge patterns from :mod:`orchestrator.flowlang.event_patterns`), :mod:`.app`
(:class:`ServeApp`), :mod:`.server` (HTTP), :mod:`.discovery` and :mod:`.client` (the CLI
finding and calling a running server).
"""

from __future__ import annotations

from orchestrator.serve.http import Request, Response

__all__ = ["Request", "Response"]
