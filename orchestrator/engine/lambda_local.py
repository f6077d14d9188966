"""Local Lambda functions: find a handler for a function reference and call it in-process the
way Lambda would.

Contract
--------
* :class:`LocalFunctions` resolves a reference — a function name (``get_image``), a function
  ARN, a DefinitionSubstitutions key (``GetImageFunctionArn``) or a ``${...}`` placeholder — to
  a callable: first among ``handlers`` (keyed by any of those names), then in ``functions_dir``
  (``<dir>/<snake_name>/app.py:lambda_handler``, imported once with the function's folder and
  the project's shared code on ``sys.path``: :mod:`orchestrator.function_import`). ``resolve``
  returns None when nothing matches.
* :meth:`LocalFunctions.timeout` is a function's own timeout (``function.json`` ``"timeout"``, else
  ``default_timeout``): a call that outlives it fails with Lambda's ``Sandbox.Timedout``
  (:func:`lambda_timed_out`), as Step Functions reports it.
* :func:`invoke_handler` calls ``handler(event, context)`` with a JSON copy of the event and a
  Lambda-like context object; the result must be JSON-serialisable. An exception becomes
  ``StatesError(error=<exception class name>, cause=<Lambda's error JSON>)`` — the cause is the
  ``{"errorMessage", "errorType", "requestId", "stackTrace"}`` document Lambda produces.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from orchestrator.engine.errors import StatesError
from orchestrator.function_import import import_app

__all__ = ["LambdaContext", "LocalFunctions", "function_candidates", "invoke_handler", "lambda_timed_out"]

Handler = Callable[[Any, Any], Any]

_ARN_NAME = re.compile(r"arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::.*)?")
_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def _random_uuid() -> uuid.UUID:
    """A random (version 4) UUID from :mod:`random` (seeded from the system once, and again in a
    forked child): ``uuid.uuid4()`` reads ``os.urandom``, which hands the GIL to another thread
    on every call, and a real-clock foreach with 20 threads then waits for it back each time."""
    return uuid.UUID(int=random.getrandbits(128), version=4)


class LambdaContext:
    """The ``context`` argument of a handler (the attributes Lambda's Python runtime offers)."""

    def __init__(self, function_name: str, arn: str, timeout: float | None, memory_mb: int = 128) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(_random_uuid())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + _random_uuid().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + (timeout if timeout is not None else 900.0)

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


def _snake(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    name = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", name)
    return name.replace("-", "_").lower()


def function_candidates(reference: str, substitutions: Mapping[str, str]) -> list[str]:
    """Names a reference may be known by, most specific first."""
    names: list[str] = [reference]
    m = _PLACEHOLDER.fullmatch(reference)
    if m:
        names.append(m.group(1))
    m = _ARN_NAME.fullmatch(reference)
    if m:
        names.append(m.group(1))
    for key, value in substitutions.items():
        if value == reference:
            names.append(key)
    out: list[str] = []
    for n in names:
        if n not in out:
            out.append(n)
    return out


def _folder_names(name: str) -> list[str]:
    base = name
    for suffix in ("FunctionArn", "FunctionName", "Arn", "Function"):
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    out = [name, base, _snake(name), _snake(base), name.replace("-", "_"), base.replace("-", "_")]
    unique: list[str] = []
    for n in out:
        if n and n not in unique:
            unique.append(n)
    return unique


class LocalFunctions:
    """Handlers given in code and handlers found in a functions directory."""

    def __init__(
        self,
        functions_dir: str | Path | None,
        handlers: Mapping[str, Handler] | None,
        substitutions: Mapping[str, str],
        default_timeout: float | None = None,
    ) -> None:
        self.functions_dir = Path(functions_dir) if functions_dir is not None else None
        self.handlers = dict(handlers or {})
        self.substitutions = dict(substitutions)
        self.default_timeout = default_timeout
        self._modules: dict[Path, Handler] = {}
        self._timeouts: dict[str, float | None] = {}
        self._found: dict[str, tuple[str, Handler]] = {}
        self._names: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def timeout(self, name: str) -> float | None:
        """The configured timeout (seconds) of a function found in ``functions_dir``:
        ``"timeout"`` of its ``function.json``, else ``default_timeout``; None for handlers
        given in code or when nothing is configured."""
        if name in self.handlers or self.functions_dir is None:
            return None
        if name not in self._timeouts:
            value: float | None = self.default_timeout
            config = self.functions_dir / name / "function.json"
            if config.is_file():
                with contextlib.suppress(ValueError, OSError):
                    found = json.loads(config.read_text(encoding="utf-8")).get("timeout")
                    if isinstance(found, int | float) and not isinstance(found, bool) and found > 0:
                        value = float(found)
            self._timeouts[name] = value
        return self._timeouts[name]

    def resolve(self, reference: str) -> tuple[str, Handler] | None:
        """(function name, handler) for a reference, or None. A function found in the
        functions directory is remembered (no file look-ups on later calls); one not found is
        looked for again next time."""
        names = self._names.get(reference)
        if names is None:
            names = self._names[reference] = function_candidates(reference, self.substitutions)
        for n in names:
            if n in self.handlers:
                return names[-1] if _ARN_NAME.fullmatch(reference) else n, self.handlers[n]
        if self.functions_dir is None:
            return None
        found = self._found.get(reference)
        if found is not None:
            return found
        for n in names:
            for folder in _folder_names(n):
                app = self.functions_dir / folder / "app.py"
                if app.is_file():
                    found = self._found[reference] = (folder, self._load(app))
                    return found
        return None

    def _load(self, app: Path) -> Handler:
        with self._lock:
            handler = self._modules.get(app)
            if handler is not None:
                return handler
            module_name = f"flowctl_fn_{app.parent.name}_{abs(hash(str(app.parent))):x}"
            try:
                module = import_app(app, module_name)
            except Exception as exc:
                raise StatesError(
                    "Runtime.ImportModuleError",
                    json.dumps({"errorMessage": f"Unable to import module 'app': {exc}",
                                "errorType": "Runtime.ImportModuleError", "stackTrace": []}),
                ) from exc
            handler = getattr(module, "lambda_handler", None)
            if not callable(handler):
                raise StatesError(
                    "Runtime.HandlerNotFound", f"Handler 'lambda_handler' missing on module 'app' ({app})"
                )
            self._modules[app] = handler
            return handler


def lambda_timed_out(context: LambdaContext, seconds: float) -> StatesError:
    """What Step Functions reports when a function outlives its own (Lambda) timeout."""
    document = {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {context.aws_request_id} Error: Task timed out after {seconds:.2f} seconds",
    }
    return StatesError("Sandbox.Timedout", json.dumps(document))


def invoke_handler(handler: Handler, event: Any, context: LambdaContext) -> Any:
    """Call a handler like Lambda: JSON in, JSON out, exceptions as Lambda error documents."""
    payload = json.loads(json.dumps(event))
    try:
        result = handler(payload, context)
    except Exception as exc:
        import traceback  # only for a failing handler (with linecache and tokenize: ~1 % of flowctl run)

        frames = traceback.extract_tb(exc.__traceback__)[1:]
        document = {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "requestId": context.aws_request_id,
            "stackTrace": traceback.format_list(frames),
        }
        raise StatesError(type(exc).__name__, json.dumps(document)) from exc
    try:
        return json.loads(json.dumps(result))
    except (TypeError, ValueError) as exc:
        document = {
            "errorMessage": f"Unable to marshal response: {exc}",
            "errorType": "Runtime.MarshalError",
            "requestId": context.aws_request_id,
            "stackTrace": [],
        }
        raise StatesError("Runtime.MarshalError", json.dumps(document)) from exc
