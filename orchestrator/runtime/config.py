"""What ``@node`` runs with: the run store (or none), the payload store and the logger.

Built from the environment on the first invocation — never at import — and cached while the
relevant variables do not change (a warm Lambda reuses its clients). :func:`configure` installs
an explicit runtime instead (the local engine, tests); :func:`reset_runtime` forgets both.

Environment (names in :mod:`orchestrator.constants`):

- ``FLOWCTL_TABLE`` → steps recorded in DynamoDB; ``FLOWCTL_STORE=local`` → in the SQLite store
  under ``FLOWCTL_HOME``; neither → steps are not recorded.
- ``FLOWCTL_PAYLOAD_BUCKET`` → large outputs go to S3; unset → to ``FLOWCTL_HOME/payloads``,
  except inside a Lambda (``AWS_LAMBDA_FUNCTION_NAME`` set), where there is nowhere to put them.
- ``FLOWCTL_OFFLOAD_THRESHOLD`` (bytes, default 200 KiB), ``POWERTOOLS_SERVICE_NAME``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.constants import (
    AWS_LAMBDA_FUNCTION_NAME,
    DEFAULT_HOME,
    DEFAULT_OFFLOAD_THRESHOLD_BYTES,
    DEFAULT_SERVICE_NAME,
    FLOWCTL_HOME,
    FLOWCTL_OFFLOAD_THRESHOLD,
    FLOWCTL_PAYLOAD_BUCKET,
    FLOWCTL_STORE,
    FLOWCTL_TABLE,
    LOCAL_PAYLOADS_DIRNAME,
    POWERTOOLS_SERVICE_NAME,
)
from orchestrator.runtime.payloads import PayloadStore

__all__ = ["DeferredLogger", "NodeRuntime", "configure", "get_runtime", "reset_runtime"]

_ENV_KEYS = (
    FLOWCTL_TABLE,
    FLOWCTL_STORE,
    FLOWCTL_HOME,
    FLOWCTL_PAYLOAD_BUCKET,
    FLOWCTL_OFFLOAD_THRESHOLD,
    POWERTOOLS_SERVICE_NAME,
    AWS_LAMBDA_FUNCTION_NAME,
)


@dataclass
class NodeRuntime:
    """Dependencies of ``@node``. ``store=None`` means: do not record steps."""

    store: Any = None
    payloads: PayloadStore = field(default_factory=PayloadStore)
    service: str = DEFAULT_SERVICE_NAME
    logger: Any = None

    def __post_init__(self) -> None:
        if self.logger is None:
            self.logger = DeferredLogger(self.service)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NodeRuntime:
        """The runtime the environment describes (clients are created later, on first use)."""
        from orchestrator.store.factory import store_from_env

        in_lambda = bool(env.get(AWS_LAMBDA_FUNCTION_NAME))
        home = Path(env.get(FLOWCTL_HOME) or DEFAULT_HOME)
        payloads = PayloadStore(
            bucket=env.get(FLOWCTL_PAYLOAD_BUCKET) or None,
            directory=None if in_lambda else home / LOCAL_PAYLOADS_DIRNAME,
            threshold=int(env.get(FLOWCTL_OFFLOAD_THRESHOLD) or DEFAULT_OFFLOAD_THRESHOLD_BYTES),
        )
        store = store_from_env(env, offload=payloads.ref if payloads.can_offload else None)
        return cls(
            store=store,
            payloads=payloads,
            service=env.get(POWERTOOLS_SERVICE_NAME) or DEFAULT_SERVICE_NAME,
        )


class DeferredLogger:
    """A Powertools ``Logger`` created on its first use (importing Powertools costs a cold
    start ~20 ms that a node which never logs does not pay). Keys appended before then are
    kept per thread and handed to the logger when that thread first logs."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._logger: Any = None
        self._lock = threading.Lock()
        self._local = threading.local()

    def _pending(self) -> dict[str, Any]:
        keys: dict[str, Any] | None = getattr(self._local, "keys", None)
        if keys is None:
            keys = self._local.keys = {}
        return keys

    def thread_safe_append_keys(self, **keys: Any) -> None:
        if self._logger is None:
            self._pending().update(keys)
        else:
            self._logger.thread_safe_append_keys(**keys)

    def thread_safe_remove_keys(self, keys: list[str]) -> None:
        pending: dict[str, Any] | None = getattr(self._local, "keys", None)
        if pending:
            for key in keys:
                pending.pop(key, None)
        if self._logger is not None:
            self._logger.thread_safe_remove_keys(keys)

    def resolve(self) -> Any:
        """The Powertools ``Logger`` itself, created now if it was not yet."""
        if self._logger is None:
            with self._lock:
                if self._logger is None:
                    import sys

                    from aws_lambda_powertools import Logger

                    # In Lambda, logs go to stdout (CloudWatch). Locally stdout carries the
                    # run's output, so node logs go to stderr, next to the progress display.
                    local = not os.environ.get(AWS_LAMBDA_FUNCTION_NAME)
                    self._logger = Logger(service=self._service, stream=sys.stderr if local else None)
        pending = self._pending()
        if pending:
            self._logger.thread_safe_append_keys(**pending)
            pending.clear()
        return self._logger

    def __getattr__(self, name: str) -> Any:
        return getattr(self.resolve(), name)


_lock = threading.Lock()
_configured: NodeRuntime | None = None
_cached: tuple[tuple[str | None, ...], NodeRuntime, tuple[Any, ...] | None] | None = None
"""(the values of :data:`_ENV_KEYS`, the runtime they describe, the same values as ``os.environ``
holds them, encoded, when they were read from it)."""
_encoded_keys: tuple[Any, ...] | None = None
""":data:`_ENV_KEYS` encoded as ``os.environ`` keeps them (bytes on POSIX), made on first use."""


def configure(runtime: NodeRuntime | None) -> None:
    """Use ``runtime`` for every ``@node`` call of this process (None: back to the environment)."""
    global _configured
    _configured = runtime


def reset_runtime() -> None:
    """Forget the configured and the cached runtime (tests)."""
    global _configured, _cached
    _configured, _cached = None, None


def _encoded_env() -> tuple[Any, ...] | None:
    """The values of :data:`_ENV_KEYS` as ``os.environ`` holds them (encoded; None where unset),
    read from its own dict; None when ``os.environ`` is not the standard mapping. ``os.environ.get``
    encodes the name, decodes the value and, for a name that is not set, raises and catches a
    KeyError: for the seven names, ~60,000 instructions per call, which ``@node`` makes per
    invocation. A changed variable changes these values (``os.environ`` writes through its dict)."""
    global _encoded_keys
    environ = os.environ
    data = getattr(environ, "_data", None)
    if type(data) is not dict:
        return None
    names = _encoded_keys
    if names is None:
        names = _encoded_keys = tuple(map(environ.encodekey, _ENV_KEYS))  # type: ignore[attr-defined]
    return tuple(map(data.get, names))


def get_runtime(env: Mapping[str, str] | None = None) -> NodeRuntime:
    """The configured runtime, else the one built from ``env`` (default ``os.environ``), built
    again when one of the variables it reads changes."""
    global _cached
    if _configured is not None:
        return _configured
    # Read without the lock (one load of a tuple): taken by every call, the lock made the
    # handlers of a foreach, one per thread, queue behind a thread switched out holding it.
    cached = _cached
    encoded = _encoded_env() if env is None else None
    if encoded is not None:
        if cached is not None and cached[2] == encoded:
            return cached[1]
        decode = os.environ.decodevalue  # type: ignore[attr-defined]
        key = tuple(None if value is None else decode(value) for value in encoded)
    else:
        env = os.environ if env is None else env
        key = tuple(env.get(name) for name in _ENV_KEYS)
    if cached is not None and cached[0] == key:
        if encoded is not None:  # the same values (read from another mapping before): known now
            _cached = (key, cached[1], encoded)
        return cached[1]
    with _lock:
        if _cached is None or _cached[0] != key:
            _cached = (key, NodeRuntime.from_env(os.environ if env is None else env), encoded)
        return _cached[1]
