"""Helpers of the serve tests: a small project served by a real ``flowctl serve`` process on 127.0.0.1 (ephemeral port),
talked to over real HTTP (urllib). The scheduler's clock is a file the test rewrites
(``--clock-file``): time moves when the test says, never by waiting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
FLOWCTL = [str(Path(sys.executable).with_name("flowctl"))]
PATIENCE = 60.0
"""Upper bound of every wait for the server (a guard against hanging, never an assertion)."""

GREET = '''
from orchestrator.runtime import node


def handle(inputs, ctx=None):
    return {"message": f"Hello, {(inputs or {}).get('name') or 'World'}!"}


lambda_handler = node(handle)
'''

FLAKY = '''
from pathlib import Path

from orchestrator.runtime import node


def handle(inputs, ctx=None):
    counter = Path("flaky.count")
    done = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(done + 1))
    if done < 2:
        raise RuntimeError(f"attempt {done + 1} fails")
    return {"attempts": done + 1}


lambda_handler = node(handle)
'''

FLOWS: dict[str, Any] = {
    "hello": {"name": "hello", "params": {"name": {"type": "string", "default": "World"}},
              "nodes": {"greet": {"uses": "greet", "with": {"name": "{% $params.name %}"}}},
              "output": "{% $greet.message %}"},
    "ticker": {"name": "ticker",
               "params": {"at": {"type": "string", "default": ""}, "label": {"type": "string", "default": ""}},
               "schedules": [{"rate": "1 minute", "input": {"label": "tick"}, "time_param": "at"}],
               "nodes": {"note": {"set": {"at": "{% $params.at %}", "label": "{% $params.label %}"}}},
               "output": "{% $note %}"},
    "nightly": {"name": "nightly", "params": {"day": {"type": "string", "default": ""}},
                "schedules": [{"cron": "0 2 * * ? *", "timezone": "Asia/Bangkok", "time_param": "day",
                               "enabled": False}],
                "nodes": {"note": {"set": {"day": "{% $params.day %}"}}}, "output": "{% $note %}"},
    "ship": {"name": "ship", "params": {"order": {"type": "string"}},
             "nodes": {"paid": {"wait_for": {"event": "order-paid", "key": "{% $params.order %}", "timeout": 3600}},
                       "label": {"after": ["paid"], "set": {"order": "{% $params.order %}", "paid": "{% $paid %}"}}},
             "output": "{% $label %}"},
    "invoice": {"name": "invoice", "params": {"order": {"type": "string"}, "total": {"type": "number"}},
                "triggers": [{"pattern": {"source": ["flowctl.events"], "detail-type": ["order-paid"],
                                          "detail": {"data": {"total": [{"numeric": [">", 0]}]}}},
                              "input_path": "$.detail.data"}],
                "nodes": {"bill": {"set": {"order": "{% $params.order %}", "due": "{% $params.total %}"}}},
                "output": "{% $bill %}"},
    "flaky": {"name": "flaky",
              "nodes": {"try": {"uses": "flaky", "retry": {"max_attempts": 3, "interval": 3600, "errors": ["RuntimeError"]}}},
              "output": "{% $try %}"},
    "pause": {"name": "pause", "nodes": {"nap": {"wait": {"seconds": 3600}},
                                         "done": {"after": ["nap"], "set": {"ok": True}}},
              "output": "{% $done %}"},
}


def env_for(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWCTL_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_COLOR"] = "1"
    return env


def flowctl(project: Path, *args: str, timeout: float = PATIENCE) -> subprocess.CompletedProcess[str]:
    """``flowctl ARGS`` in the project, as a user types it."""
    return subprocess.run([*FLOWCTL, *args], cwd=project, env=env_for(project), capture_output=True,
                          text=True, timeout=timeout)


def wait_for(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting: {what}")


class Server:
    """A running ``flowctl serve`` of a project."""

    def __init__(self, project: Path, *args: str) -> None:
        self.project = project
        self.args = args
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.token: str | None = None
        self.stderr = ""

    def start(self) -> Server:
        info = self.project / ".flowctl" / "serve.json"
        info.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [*FLOWCTL, "serve", "--port", "0", "--clock-file", str(self.project / "clock.txt"), *self.args],
            cwd=self.project, env=env_for(self.project), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        process = self.process

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"serve exited: {process.communicate()[1]}")
            return info.is_file() and info.stat().st_size > 0

        wait_for(ready, "serve listening")
        details = json.loads(info.read_text())
        self.url, self.token = details["url"], details.get("token")
        return self

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        _, self.stderr = self.process.communicate(timeout=PATIENCE)
        return self.process.returncode

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=PATIENCE) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode()

    def run(self, run_id: str) -> dict[str, Any]:
        status, body = self.call("GET", f"/runs/{run_id}")
        assert status == 200, body
        return dict(body["run"])

    def finished(self, run_id: str) -> dict[str, Any]:
        return dict(wait_for(lambda: (r := self.run(run_id))["status"] != "RUNNING" and r, f"{run_id} to end"))

    def runs(self, flow: str) -> list[dict[str, Any]]:
        status, body = self.call("GET", f"/flows/{flow}/runs?limit=100")
        assert status == 200, body
        return list(body["runs"])


def set_clock(project: Path, when: str) -> None:
    staged = project / "clock.txt.new"
    staged.write_text(when + "\n")
    staged.replace(project / "clock.txt")  # atomic: serve never reads half a time
