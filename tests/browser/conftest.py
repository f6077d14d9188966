"""Browser tests: a real headless Chromium (Debian's package, installed by `make browser` when
missing) driven by Playwright's Python package, against `flowctl serve` in a temporary project.

The project is a copy of this repository's flows/ and functions/ plus the demo flows and
functions of ``tests/browser/project`` (steps that take a moment, a step that fails until a
marker file exists). Screenshots for the README are written to ``docs/screenshots/`` when
they are missing or ``FLOWCTL_UPDATE_SCREENSHOTS=1``; otherwise to a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}

def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary; `make browser` installs Debian's package when it is missing."""
    found = chromium_path()
    if found is None:
        setup = subprocess.run(["make", "-s", "browser"], cwd=ROOT, capture_output=True, text=True)
        found = chromium_path()
        if found is None:
            pytest.skip(f"no chromium, and `make browser` could not install it: {setup.stdout}{setup.stderr}".strip())
    return found


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web-project")
    for folder in ("flows", "functions", "data"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(HERE / "project", root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    return root


class Server:
    """`flowctl serve` of the test project, and a small client of its API."""

    def __init__(self, project: Path, url: str, process: subprocess.Popen[str]) -> None:
        self.project = project
        self.url = url
        self.process = process

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")

    def wait_run(self, run_id: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            run = self.call("GET", f"/runs/{run_id}")["run"]
            if run["status"] not in ("RUNNING", "PENDING") or time.monotonic() > deadline:
                return run
            time.sleep(0.2)


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Server]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWCTL_")}
    env["PYTHONUNBUFFERED"] = "1"
    log = (project / "serve.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("flowctl")), "serve", "--port", str(port), "-q"],
        cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/local/health", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail(f"flowctl serve did not start:\n{(project / 'serve.log').read_text()}")
            time.sleep(0.2)
    yield Server(project, url, process)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def screenshot(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Any, str], Path]:
    """``screenshot(page, "dashboard")``: into docs/screenshots/ when missing or asked for."""
    update = os.environ.get("FLOWCTL_UPDATE_SCREENSHOTS") == "1"
    scratch = tmp_path_factory.mktemp("screenshots")

    def take(page: Any, name: str) -> Path:
        target = SCREENSHOTS / f"{name}.png"
        if update or not target.exists():
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        else:
            target = scratch / f"{name}.png"
        page.screenshot(path=str(target))
        return target

    return take
