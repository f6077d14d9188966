"""GIVEN the README's "Local server" walk-through WHEN its commands run as written, in a copy of
this project THEN each prints what the README shows. Only ports differ: `flowctl serve` takes a
free port (the README's 8400 is replaced by it) and so does the sample API of api-extract."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from servepath import PATIENCE, ROOT, env_for, wait_for

from orchestrator.store.local import LocalRunStore
from tests.ports import free_port

README = (ROOT / "README.md").read_text()
SECTION = README[README.index("\n## Local server: `flowctl serve`\n"):README.index("\n## Command line\n")]


def walkthrough() -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of the section's console block."""
    block = re.search(r"```console\n(.*?)```", SECTION, re.S)
    assert block is not None
    steps: list[tuple[str, list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif line.strip():
            steps[-1][1].append(line)
    return steps


def pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in expected.split("…")))


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for folder in ("flows", "functions", "data"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "out"))
    return tmp_path


@pytest.mark.slow
def test_the_local_server_walkthrough_runs_as_written(copy: Path) -> None:
    env = env_for(copy)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["COLUMNS"] = "200"
    background: list[subprocess.Popen[str]] = []
    url = "http://127.0.0.1:8400"
    try:
        for command, expected in walkthrough():
            if command.startswith("python data/api/fake_api.py"):
                port = free_port()
                flow = copy / "flows" / "api-extract.json"
                doc = json.loads(flow.read_text())
                doc["params"]["base_url"]["default"] = f"http://127.0.0.1:{port}"
                flow.write_text(json.dumps(doc))
                background.append(subprocess.Popen([sys.executable, "data/api/fake_api.py", "--port", str(port)],
                                                   cwd=copy, env=env, text=True))
                continue
            if command.startswith("flowctl serve"):
                info = copy / ".flowctl" / "serve.json"
                background.append(subprocess.Popen(["flowctl", "serve", "--port", "0"], cwd=copy, env=env,
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
                wait_for(lambda path=info: path.is_file() and path.stat().st_size > 0, "serve listening")
                url = json.loads(info.read_text())["url"]
                continue
            command = command.replace("localhost:8400", url)
            done = subprocess.run(["bash", "-c", command], cwd=copy, env=env, capture_output=True, text=True,
                                  timeout=PATIENCE)
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            shown = (done.stdout + done.stderr).splitlines()
            for line in expected:
                wanted = pattern(line.replace("http://127.0.0.1:8400", url))
                assert any(wanted.fullmatch(s) for s in shown), f"{command}\n{line}\n{shown}"
        # AND the backfilled runs extract their days (the schedule's time reaches run_date)
        store = LocalRunStore(copy / ".flowctl" / "runs.sqlite3")
        days = ("20240430T1900Z", "20240501T1900Z", "20240502T1900Z")

        def ended() -> bool:
            runs = [store.get_run(f"api-extract-s1-{d}", steps=False) for d in days]
            return all(r is not None and r.status != "RUNNING" for r in runs)

        wait_for(ended, "the backfilled runs")
        hello = store.get_run("hello-1", steps=False)
        assert hello is not None and hello.output == "Hello, Ada!"
        outputs = [store.get_run(f"api-extract-s1-{d}", steps=False) for d in days]
        assert [r.output["date"] for r in outputs if r] == ["2024-05-01", "2024-05-02", "2024-05-03"]
    finally:
        for process in reversed(background):
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=PATIENCE)
