"""Configuration of the platform functions, read from an environment mapping (never at import).

Explicit arguments of :meth:`PlatformConfig.from_env` win over the environment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.constants import (
    DEFAULT_EVENT_SOURCE,
    DEFAULT_EVENT_TTL_SECONDS,
    FLOWCTL_EVENT_BUS,
    FLOWCTL_EVENT_SOURCE,
    FLOWCTL_EVENT_TTL,
    FLOWCTL_FLOWS_DIR,
    FLOWCTL_STATE_MACHINES,
    LAMBDA_TASK_ROOT,
)
from orchestrator.errors import Problem
from orchestrator.service.errors import ConfigurationError

__all__ = ["ConfigurationError", "PlatformConfig"]


@dataclass(frozen=True)
class PlatformConfig:
    """``state_machines``: flow → ARN; ``flows_dir``: flow files shipped with the function
    (``FLOWCTL_FLOWS_DIR``, else ``default_flows_dir``, else the code folder ``LAMBDA_TASK_ROOT``);
    ``event_bus``: where ``POST /events`` publishes (None: route in-process)."""

    state_machines: dict[str, str] = field(default_factory=dict)
    flows_dir: Path | None = None
    event_bus: str | None = None
    event_source: str = DEFAULT_EVENT_SOURCE
    event_ttl_seconds: int = DEFAULT_EVENT_TTL_SECONDS

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], *, default_flows_dir: Path | str | None = None
    ) -> PlatformConfig:
        raw = env.get(FLOWCTL_STATE_MACHINES) or "{}"
        try:
            machines = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(
                f"{FLOWCTL_STATE_MACHINES} is not JSON",
                problems=[
                    Problem(
                        FLOWCTL_STATE_MACHINES, exc.msg, 'expected {"flow": "arn:aws:states:..."}'
                    )
                ],
            ) from exc
        if not isinstance(machines, dict):
            raise ConfigurationError(
                f"{FLOWCTL_STATE_MACHINES} is not an object",
                problems=[
                    Problem(
                        FLOWCTL_STATE_MACHINES,
                        "expected a JSON object",
                        'expected {"flow": "arn:..."}',
                    )
                ],
            )
        directory = env.get(FLOWCTL_FLOWS_DIR) or default_flows_dir or env.get(LAMBDA_TASK_ROOT)
        return cls(
            state_machines={str(k): str(v) for k, v in machines.items()},
            flows_dir=Path(directory) if directory else None,
            event_bus=env.get(FLOWCTL_EVENT_BUS) or None,
            event_source=env.get(FLOWCTL_EVENT_SOURCE) or DEFAULT_EVENT_SOURCE,
            event_ttl_seconds=int(env.get(FLOWCTL_EVENT_TTL) or DEFAULT_EVENT_TTL_SECONDS),
        )

    def flow_for_state_machine(self, arn: str) -> str:
        """The flow of a state machine ARN: from ``state_machines``, else the ARN's name."""
        for flow, known in self.state_machines.items():
            if known == arn:
                return flow
        return arn.rsplit(":", 1)[-1]
