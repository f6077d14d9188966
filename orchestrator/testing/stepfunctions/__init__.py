"""A fake AWS Step Functions client for tests and local serving: :class:`StepFunctionsBridge`.

It answers the boto3 ``stepfunctions`` calls flowctl's platform makes (create, start, describe,
list, history, stop, redrive, task callbacks) the way AWS does, running each execution in the
local engine and the node functions in-process — what moto's mock is for the AWS API, with real
executions behind it. ``flowctl serve`` uses it in place of Step Functions.

* :mod:`.client` — the API surface and the execution threads;
* :mod:`.events` — the shapes AWS gives an execution (description, status change event,
  Express log record, listing pages);
* :mod:`.redrive` — what a redrive replays and what it runs again;
* :mod:`.records` — the state machines and executions it remembers.
"""

from __future__ import annotations

from orchestrator.testing.stepfunctions.client import StepFunctionsBridge
from orchestrator.testing.stepfunctions.events import STATUS_CHANGE

__all__ = ["STATUS_CHANGE", "StepFunctionsBridge"]
