"""GIVEN a project and `flowctl run` WHEN a flow runs again THEN it runs from the compile cache
while every input of its compile is unchanged, and is compiled in full (and cached again) as
soon as one changes: the flow, a sub-flow, a function's contract, the shared code, flowctl."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator.local import compile_cache
from orchestrator.local.compile_cache import cache_dir, load_cached

ROOT = Path(__file__).resolve().parents[3]

MAIN = {
    "name": "main",
    "params": {"who": {"type": "string", "default": "World"}, "times": {"type": "integer", "default": 1}},
    "nodes": {
        "greet": {"uses": "greet", "with": {"name": "{% $params.who %}"}},
        "part": {"flow": "part", "after": ["greet"]},
    },
    "output": {"greeting": "{% $greet.message %}", "part": "{% $part %}"},
}
PART = {"name": "part", "nodes": {"mark": {"set": {"mark": "one"}}}}
GREET = '''
from pydantic import Field

from orchestrator.runtime import ContractModel, node
from shared.words import GREETING, Name


class Input(ContractModel):
    name: Name = Field("x")


class Output(ContractModel):
    message: str


def handle(inputs, ctx=None):
    return {"message": f"{GREETING}, {inputs['name']}!"}


lambda_handler = node(handle, input=Input, output=Output)
'''
WORDS = 'GREETING = "Hello"\nName = str\n'


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    _write(root / "flows" / "main.json", json.dumps(MAIN))
    _write(root / "flows" / "part.json", json.dumps(PART))
    _write(root / "functions" / "greet" / "app.py", GREET)
    _write(root / "functions" / "shared" / "__init__.py", "")
    _write(root / "functions" / "shared" / "words.py", WORDS)
    return root


def flowctl(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`flowctl run flows/main.json ARGS` in the project, as a user runs it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWCTL_", "FORCE_COLOR", "TTY_"))}
    environ.update(env or {})
    script = "import sys; from orchestrator.cli.app import main; sys.argv[0] = 'flowctl'; main()"
    return subprocess.run([sys.executable, "-c", script, "run", "flows/main.json", "-q", *args], cwd=root,
                          capture_output=True, text=True, env=environ, timeout=120)


def output(done: subprocess.CompletedProcess[str]) -> object:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def cached(root: Path) -> compile_cache.CachedCompile | None:
    return load_cached(root / "flows" / "main.json", cache_dir(root, {}))


def test_a_second_run_comes_from_the_cache_without_the_compiler(project: Path) -> None:
    # GIVEN a flow run once WHEN it runs again THEN its entry holds and the run loads neither the
    # compiler, the flow models nor typer
    assert cached(project) is None
    assert output(flowctl(project)) == {"greeting": "Hello, World!", "part": {"mark": "one"}}
    assert cached(project) is not None
    probe = ("import json, sys; from orchestrator.cli.app import main\n"
             "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
             "print(json.dumps({'code': code, 'modules': sorted(sys.modules)}))")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FLOWCTL_")}
    done = subprocess.run([sys.executable, "-c", probe, "run", "flows/main.json", "-q", "-p", "who=Ada"],
                          cwd=project, capture_output=True, text=True, env=environ, timeout=120)
    lines = done.stdout.strip().splitlines()
    assert json.loads("\n".join(lines[:-1])) == {"greeting": "Hello, Ada!", "part": {"mark": "one"}}
    probe_out = json.loads(lines[-1])
    assert probe_out["code"] == 0
    loaded = set(probe_out["modules"])
    assert not {"orchestrator.compiler.compiled", "orchestrator.flowlang.model", "typer"} & loaded


def test_editing_the_flow_compiles_it_again(project: Path) -> None:
    output(flowctl(project))
    flow = project / "flows" / "main.json"
    flow.write_text(json.dumps({**MAIN, "params": {**MAIN["params"], "who": {"type": "string", "default": "Bob"}}}))
    assert cached(project) is None
    assert output(flowctl(project))["greeting"] == "Hello, Bob!"
    assert cached(project) is not None


def test_editing_a_sub_flow_compiles_it_again(project: Path) -> None:
    output(flowctl(project))
    (project / "flows" / "part.json").write_text(json.dumps({**PART, "nodes": {"mark": {"set": {"mark": "two"}}}}))
    assert cached(project) is None
    assert output(flowctl(project))["part"] == {"mark": "two"}


def test_a_sub_flow_that_moves_to_another_file_compiles_it_again(project: Path) -> None:
    # GIVEN part.json WHEN it becomes part.yaml THEN the probe of part.json differs
    output(flowctl(project))
    (project / "flows" / "part.json").unlink()
    (project / "flows" / "part.yaml").write_text("name: part\nnodes:\n  mark:\n    set: {mark: yaml}\n")
    assert cached(project) is None
    assert output(flowctl(project))["part"] == {"mark": "yaml"}


def test_a_contract_edit_is_checked_again(project: Path) -> None:
    # GIVEN a cached flow WHEN the function's input contract no longer accepts what the flow gives
    # THEN the run fails validation, as a full compile does (a stale entry would run it)
    output(flowctl(project))
    app = project / "functions" / "greet" / "app.py"
    app.write_text(GREET.replace('name: Name = Field("x")', "name: Name = Field('x')\n    extra: int"))
    assert cached(project) is None
    done = flowctl(project)
    assert done.returncode == 1
    assert "extra" in done.stderr
    assert done.stderr == flowctl(project, "--no-cache").stderr


def test_a_shared_code_edit_is_checked_again(project: Path) -> None:
    output(flowctl(project))
    (project / "functions" / "shared" / "words.py").write_text('GREETING = "Hi"\nName = int\n')
    assert cached(project) is None
    done = flowctl(project)
    assert done.returncode == 1 and "/nodes/greet/with/name" in done.stderr


def test_another_flowctl_version_compiles_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output(flowctl(project))
    assert cached(project) is not None
    monkeypatch.setattr("orchestrator.__version__", "99.0.0")
    assert cached(project) is None


def test_another_compiler_code_compiles_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output(flowctl(project))
    real = compile_cache._code_files
    monkeypatch.setattr(compile_cache, "_code_files", lambda folder, recurse: [*real(folder, recurse), ("x.py", 1, 1)])
    assert cached(project) is None


def test_a_corrupt_entry_is_ignored_and_written_again(project: Path) -> None:
    output(flowctl(project))
    [entry] = (project / ".flowctl" / "cache").glob("*.json")
    for garbage in ("{not json", json.dumps({"format": 2}), json.dumps([1, 2]), ""):
        entry.write_text(garbage)
        assert cached(project) is None
        assert output(flowctl(project))["greeting"] == "Hello, World!"
        assert cached(project) is not None
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]  # no temporary file left


@pytest.mark.parametrize("args", [
    ["-p", "times=abc"], ["-p", "nobody=1"], ["-i", "[1]"], ["-i", "{bad"], ["-p", "times"],
    ["-i", '{"times": 1.5}'], ["-p", "who=\udcff"],
])
def test_a_params_error_on_a_hit_reads_as_on_a_miss(project: Path, args: list[str]) -> None:
    # GIVEN a cached flow WHEN a run gives bad parameters THEN the message and exit code are
    # those of a full compile, byte for byte
    output(flowctl(project))
    assert cached(project) is not None
    hit, miss = flowctl(project, *args), flowctl(project, *args, "--no-cache")
    assert hit.returncode == miss.returncode == 1
    assert hit.stderr == miss.stderr and hit.stdout == miss.stdout
    assert hit.stderr.startswith("error")


def test_no_cache_neither_reads_nor_writes(project: Path) -> None:
    output(flowctl(project, "--no-cache"))
    output(flowctl(project, env={"FLOWCTL_NO_COMPILE_CACHE": "1"}))
    assert not (project / ".flowctl" / "cache").exists()
    output(flowctl(project, env={"FLOWCTL_NO_COMPILE_CACHE": "0"}))
    assert cached(project) is not None


def test_flowctl_home_holds_the_cache(project: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    output(flowctl(project, env={"FLOWCTL_HOME": str(home)}))
    assert load_cached(project / "flows" / "main.json", cache_dir(project, {"FLOWCTL_HOME": str(home)})) is not None
    assert not (project / ".flowctl").exists()


def test_concurrent_runs_share_the_cache_safely(project: Path) -> None:
    # GIVEN an empty cache WHEN four runs start at once THEN all succeed and the entry is whole
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FLOWCTL_")}
    script = "import sys; from orchestrator.cli.app import main; main()"
    runs = [subprocess.Popen([sys.executable, "-c", script, "run", "flows/main.json", "-q"], cwd=project, env=environ,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert json.loads(out)["greeting"] == "Hello, World!"
    assert cached(project) is not None


def test_a_file_replaced_with_its_size_and_time_kept_is_seen(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a settled entry WHEN a sub-flow is replaced by a file of the same size and the same
    # modification time (cp -p, rsync -t) THEN its status-change time gives it away
    output(flowctl(project))
    monkeypatch.setattr("orchestrator.flowlang.reads.RACY_NS", 0)
    assert cached(project) is not None  # settled: checked by size and times from now on
    part = project / "flows" / "part.json"
    before = part.stat()
    part.write_text(part.read_text().replace("one", "two"))
    os.utime(part, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert part.stat().st_size == before.st_size
    assert cached(project) is None
    assert output(flowctl(project))["part"] == {"mark": "two"}


def test_a_file_edited_just_before_its_compile_is_checked_by_content(project: Path) -> None:
    # GIVEN a flow written just now (within the file system's clock tick of its compile) WHEN it
    # is rewritten with the same size and time THEN the cache still sees the new content
    output(flowctl(project))
    flow = project / "flows" / "main.json"
    before = flow.stat()
    flow.write_text(flow.read_text().replace("World", "Earth"))
    os.utime(flow, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert cached(project) is None
    assert output(flowctl(project))["greeting"] == "Hello, Earth!"


def test_a_settled_file_is_checked_by_its_time_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an entry written just after its files (checked by content) WHEN they have settled THEN a
    # hit keeps their times again (the entry is rewritten once)
    output(flowctl(project))
    [entry] = (project / ".flowctl" / "cache").glob("*.json")
    assert any(mtime == -1 for _, mtime, _, _ in json.loads(entry.read_text())["reads"]["files"].values())
    monkeypatch.setattr("orchestrator.flowlang.reads.RACY_NS", 0)  # as if two seconds had passed
    assert cached(project) is not None
    assert all(mtime != -1 for _, mtime, _, _ in json.loads(entry.read_text())["reads"]["files"].values())
    assert cached(project) is not None
