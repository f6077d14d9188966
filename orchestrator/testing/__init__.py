"""flowctl's testing package: test a flowctl project, and its cloud path, without AWS.

Like Temporal's ``temporalio.testing`` or moto's ``mock_aws``, it is public API made for a
project's own tests (and used by flowctl's):

* :func:`run_flow`, :func:`invoke`, :func:`find_project`, :class:`FlowRun`
  (:mod:`orchestrator.testing.flows`) — pytest helpers: run a project's flows on the local
  engine and call its functions as ``flowctl run`` and ``sam local invoke`` would;
* :class:`StepFunctionsBridge` (:mod:`orchestrator.testing.stepfunctions`) — a fake boto3
  ``stepfunctions`` client whose executions run in the local engine: give it to the platform
  (``Platform(config, sfn=bridge)``) to test the API, tracker, waiter and event router end to
  end, redrives and task callbacks included.

Example (``tests/test_flows.py`` of a project made by ``flowctl init``)::

    from orchestrator.testing import invoke, run_flow

    def test_hello_greets():
        run = run_flow("hello", {"name": "Ada"})
        assert run.status == "SUCCEEDED"
        assert run.output == "Hello, Ada!"

Nothing here runs in a Lambda: the runtime layer does not ship this package.
"""

from __future__ import annotations

from orchestrator.testing.flows import FlowRun, find_project, invoke, run_flow
from orchestrator.testing.stepfunctions import STATUS_CHANGE, StepFunctionsBridge

__all__ = ["STATUS_CHANGE", "FlowRun", "StepFunctionsBridge", "find_project", "invoke", "run_flow"]
