"""The paths users take, each measured against a baseline taken in the same run (issue 14).

Every row is ``(what, measured, baseline, ratio, goal)``: JSONata states against JSONPath Pass
states, ``flowctl run`` against the bare engine, CLI start-up and a node's cold start against
``python -c pass``, the local store and the compiler in absolute figures with their goals, and
the peak memory (RSS) of a big fan-out. Child processes give start-up and memory figures that
are not those of this (warm, already large) process.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.scenarios import (
    ROOT,
    assign_chain,
    compiled_set_chain,
    interpreted_chain,
    jsonata_choice_loop,
    pass_chain,
)

__all__ = ["Row", "Sizes", "all_rows", "foreach_definition", "print_rows"]


@dataclass
class Row:
    what: str
    measured: str
    baseline: str
    ratio: float | None
    goal: str
    ok: bool | None = None


@dataclass(frozen=True)
class Sizes:
    states: int = 1000
    foreach: int = 10_000
    steps: int = 20_000
    compile_sizes: tuple[int, ...] = (100, 1000, 5000)
    memory_items: tuple[int, ...] = (10_000, 100_000)
    starts: int = 9

    @classmethod
    def quick(cls) -> Sizes:
        return cls(states=100, foreach=100, steps=500, compile_sizes=(100, 200), memory_items=(200,), starts=1)


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms"


# ---------------------------------------------------------------- JSONata states
def _interleaved(definitions: dict[str, tuple[dict[str, Any], Any]], rounds: int) -> dict[str, float]:
    """Best seconds per state entered of each definition, the runs taking turns (a load
    change on a shared machine then hits every definition alike), over at least 10 rounds:
    a run of 1,000 states takes a few milliseconds, and fewer rounds let a full garbage
    collection or a burst of load land in every run of one definition.

    Each timed run follows an untimed run of the same definition, so it is measured in the
    steady state, as ``timeit`` measures: otherwise it starts with the processor caches full
    of the previous definition's data (another workload of this table), which costs a large
    definition (1,000 compiled templates) far more than a JSONPath Pass chain, in a way no
    flow running alone pays."""
    from orchestrator.engine import Engine, VirtualClock

    engines, states = {}, {}
    for name, (definition, value) in definitions.items():
        engines[name] = Engine(definition, clock=VirtualClock())
        result = engines[name].start(value)
        if result.status != "SUCCEEDED":
            raise RuntimeError(f"{name} failed on the engine: {result.error}: {result.cause}")
        states[name] = sum(1 for e in result.history if e["type"].endswith("StateEntered"))
    best = dict.fromkeys(definitions, float("inf"))
    for _ in range(max(rounds, 10)):
        for name, (_, value) in definitions.items():
            engines[name].start(value)  # warm: this definition's data in the caches
            started = time.perf_counter()
            engines[name].start(value)
            best[name] = min(best[name], (time.perf_counter() - started) / states[name])
    return best


def jsonata_rows(sizes: Sizes, repeat: int) -> list[Row]:
    from bench.scenarios import choice_loop

    n = sizes.states
    data = {"a": 1, "b": [1, 2, 3]}
    best = _interleaved(
        {
            "pass": (pass_chain(n), data),
            "set": (compiled_set_chain(n), {}),
            "assign": (assign_chain(n), data),
            "choice": (choice_loop(n), {}),
            "interpreted": (interpreted_chain(n), data),
            "jsonata choice": (jsonata_choice_loop(n), {}),
        },
        repeat,
    )
    base = best["pass"]
    rows = []
    for what, key, goal in (
        (f"compiled set node x{n} / JSONPath Pass", "set", 2.0),
        (f"JSONata Assign x+1 x{n} / JSONPath Pass", "assign", 1.5),
    ):
        ratio = best[key] / base
        rows.append(Row(what, _us(best[key]), _us(base), ratio, f"≤ {goal}×", ratio <= goal))
    from orchestrator.engine.jsonata_jlens import compile_jlens

    engine = "jlens" if compile_jlens("1", frozenset()) is not None else "jsonata-python"
    ratio = best["interpreted"] / base
    rows.append(Row(f"JSONata filter+$map x{n} ({engine}) / JSONPath Pass", _us(best["interpreted"]), _us(base), ratio, "-"))
    ratio = best["jsonata choice"] / best["choice"]
    rows.append(Row(f"JSONata Choice loop x{n} / JSONPath", _us(best["jsonata choice"]), _us(best["choice"]), ratio, "-"))
    return rows


# ---------------------------------------------------------------- foreach through flowctl run
def foreach_definition(items: int, *, mode: str = "inline", body: str = "uses") -> Any:
    """A compiled flow with one foreach over ``items`` numbers. Its Map outputs the count of
    the results (all of them would exceed the 256 KiB payload limit beyond a few thousand)."""
    from orchestrator.compiler import compile_flow
    from orchestrator.flowlang.loader import parse_flow

    do: dict[str, Any] = (
        {"uses": "process_item", "with": {"item": "{% $item %}", "index": "{% $index %}"}}
        if body == "uses"
        else {"set": {"item": "{% $item %}", "double": "{% $item * 2 %}"}}
    )
    doc = {
        "name": "bench-foreach",
        "params": {"n": {"type": "integer", "default": items}},
        "nodes": {"each": {"foreach": {"items": "{% [1..$params.n] %}", "concurrency": 10, "mode": mode, "do": do}}},
        "output": "{% $each %}",
    }
    compiled = compile_flow(parse_flow(doc))
    state = compiled.definition["States"]["each"]
    state["Assign"] = {"each": "{% $count($states.result) %}"}
    state["Output"] = "{% $count($states.result) %}"
    return compiled


FOREACH_ROUNDS = 4
"""Runs of each side of the foreach row in one process, alternated (the best of each is kept).
This machine's speed changes from one second to the next: a fixed loop timed once a second
took 134–212 ms over 15 seconds, and six runs of the bare engine in one process took 100–164 µs
per item. The best of 3 missed the quick moments of one side or the other now and then."""

FOREACH_PROCESSES = 5
"""Fresh processes the foreach row is measured in; the one of median ratio is printed. The same
code's time differs by up to 15% from one process to the next (measured: the bare engine's best
of 3 ranged 107–145 µs per item over six processes in one minute; with 8 rounds each, two
processes in one minute gave ratios of 1.30 and 1.52), a difference that one process would print
as the runner's own. The median of 5 moves less with it than the median of 3."""


def _timed(run: Callable[[], Any]) -> tuple[Any, float, float]:
    """``run()``'s result, wall seconds and CPU seconds (of every thread of the process)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - started, time.process_time() - cpu


def foreach_rows(sizes: Sizes) -> list[Row]:
    """The foreach rows of the process of median ratio among :data:`FOREACH_PROCESSES` (one
    process, this one, for quick sizes)."""
    if sizes.foreach < 1000:
        return foreach_rows_once(sizes)
    runs = sorted((_in_fresh_process("rows.foreach_rows_once(sizes)", sizes) for _ in range(FOREACH_PROCESSES)),
                  key=lambda rows: rows[0].ratio or 0.0)
    rows = runs[len(runs) // 2]
    ratios = ", ".join(f"{run[0].ratio:.2f}x" for run in runs)
    return [*rows, Row(f"  the same: ratios of the {len(runs)} processes", "", ratios, None, "-")]


def foreach_rows_once(sizes: Sizes) -> list[Row]:
    from orchestrator.engine import run_state_machine
    from orchestrator.flowlang.project import Project
    from orchestrator.local.runner import LocalRunner
    from orchestrator.store.local import LocalRunStore

    n = sizes.foreach
    compiled = foreach_definition(n)
    project = Project(ROOT)
    functions = project.functions_dir
    os.environ.setdefault("FLOWCTL_PROJECT_DIR", str(ROOT))

    def bare_run() -> Any:
        # The compiled type (Express here): a Standard execution would stop at 25,000 history events.
        return run_state_machine(compiled.definition, {"n": n}, functions_dir=functions, state_machine_type=compiled.type)

    def local_run() -> tuple[Any, float, float]:
        with tempfile.TemporaryDirectory() as home:
            store = LocalRunStore(Path(home) / "runs.sqlite3")
            try:
                return _timed(lambda: LocalRunner(project, store).run(compiled, {"n": n}))
            finally:
                store.close()

    def checked(result: Any) -> None:
        if result.status != "SUCCEEDED":
            raise RuntimeError(f"foreach failed: {result.status} {result.error} {result.cause}")

    # Each is measured FOREACH_ROUNDS times, one after the other, and its best time is kept:
    # on a shared machine a single run of either may land on a busy moment. Each run starts with
    # the garbage of the one before collected and its result dropped: a result holds 25,000
    # history events, and every full collection during the next run would walk them again.
    bare_s = bare_cpu = run_s = run_cpu = float("inf")
    for _ in range(FOREACH_ROUNDS):
        gc.collect()
        bare, seconds, cpu = _timed(bare_run)
        checked(bare)
        del bare
        bare_s, bare_cpu = min(bare_s, seconds), min(bare_cpu, cpu)
        gc.collect()
        run, seconds, cpu = local_run()
        checked(run)
        del run
        run_s, run_cpu = min(run_s, seconds), min(run_cpu, cpu)
    ratio = run_s / bare_s
    # The runner's threads (handlers, Map workers, the store's writer) may use a second core,
    # and on a busy machine the scheduler gives a process with more threads a larger share:
    # the CPU time of every thread, per item, is shown next to the wall times.
    cpu_ratio = run_cpu / bare_cpu
    return [Row(f"flowctl run foreach x{n} (store) / run_state_machine, per item", _us(run_s / n), _us(bare_s / n),
                ratio, "≤ 1.5×", ratio <= 1.5),
            Row(f"flowctl run foreach x{n} (store) / run_state_machine, CPU per item", _us(run_cpu / n),
                _us(bare_cpu / n), cpu_ratio, "-")]


# ---------------------------------------------------------------- local store
def store_rows(sizes: Sizes) -> list[Row]:
    from orchestrator.store.local import LocalRunStore
    from orchestrator.store.models import Run, Step

    n = sizes.steps
    with tempfile.TemporaryDirectory() as home:
        path = Path(home) / "runs.sqlite3"
        store = LocalRunStore(path)
        store.create_run(Run(run_id="r1", flow="bench"))
        written = _bytes_written()
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            store.record_step(Step("r1", "each", "SUCCEEDED", index=i, output={"i": i, "upper": "ABC"},
                                   started_at="2026-01-01T00:00:00.000Z"))
        store.update_run_status("r1", "SUCCEEDED", output={"count": n})  # flushes, durably
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        written = _bytes_written() - written if written is not None else None
        size = sum(p.stat().st_size for p in Path(home).iterdir() if p.name.startswith("runs.sqlite3"))
        store.close()
    per = cpu / n  # CPU time of every thread of the process: what a step costs, whatever the load
    note = f"{written / 1e6:.1f} MB written for {size / 1e6:.1f} MB" if written is not None else ""
    return [Row(f"local store record_step x{n}, CPU amortised", _us(per), f"wall {_us(seconds / n)}", None,
                "≤ 20 µs", per <= 20e-6),
            Row(f"local store x{n}: bytes written / database size", note or "-", "", None, "-")]


def _bytes_written() -> int | None:
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# ---------------------------------------------------------------- compiler
def chain_flow(n: int) -> dict[str, Any]:
    nodes: dict[str, Any] = {"n0": {"set": {"v": 0}}}
    for i in range(1, n):
        nodes[f"n{i}"] = {"set": {"v": f"{{% $n{i - 1}.v + 1 %}}"}, "after": [f"n{i - 1}"]}
    return {"name": f"chain-{n}", "nodes": nodes}


def sp_flow(n: int) -> dict[str, Any]:
    """Diamonds in series: a node, three branches after it, a join after them, ..."""
    nodes: dict[str, Any] = {"n0": {"set": {"v": 0}}}
    last, i = "n0", 1
    while i < n:
        branch = [f"n{j}" for j in range(i, min(i + 3, n))]
        for b in branch:
            nodes[b] = {"set": {"v": f"{{% ${last}.v + 1 %}}"}, "after": [last]}
        i += len(branch)
        if i < n:
            nodes[f"n{i}"] = {"set": {"v": 1}, "after": branch}
            last, i = f"n{i}", i + 1
    return {"name": f"sp-{n}", "nodes": nodes}


def non_sp_flow(n: int, width: int = 4) -> dict[str, Any]:
    """Levels of ``width`` nodes, each after the node above it and the one above-right: an "N"
    at every level, so the compiler must add synchronisation edges level by level."""
    nodes: dict[str, Any] = {}
    for i in range(n):
        level, j = divmod(i, width)
        after = []
        if level:
            after = [f"n{(level - 1) * width + j}"] + ([f"n{(level - 1) * width + j + 1}"] if j + 1 < width else [])
        body: dict[str, Any] = {"set": {"v": f"{{% ${after[0]}.v + 1 %}}" if after else 0}}
        nodes[f"n{i}"] = {**body, **({"after": after} if after else {})}
    return {"name": f"non-sp-{n}", "nodes": nodes}


COMPILE_GOALS = {("chain", 5000): 1.0, ("non-SP", 1000): 1.0, ("non-SP", 5000): 10.0}


COMPILE_RUNS = 3
"""Fresh processes the compile rows are measured in; each row is the best of them. Measured once,
a 5,000-node chain took 0.61 s in one run of the bench and 1.04 s in another, the machine being
slow for that second. (A fresh process each time: compiling the same flow again in one process
would find caches warm, such as the series-parallel decompositions of the last flows.)"""

_COMPILE_KINDS: dict[str, Callable[[int], dict[str, Any]]] = {"chain": chain_flow, "series-parallel": sp_flow,
                                                              "non-SP": non_sp_flow}


def compile_seconds(sizes: Sizes) -> list[list[Any]]:
    """``[kind, nodes, seconds]`` of compiling each kind of flow at each size, once each."""
    from orchestrator.compiler import compile_flow
    from orchestrator.flowlang.loader import parse_flow

    measured: list[list[Any]] = []
    for kind, make in _COMPILE_KINDS.items():
        for n in sizes.compile_sizes:
            flow = parse_flow(make(n))
            started = time.perf_counter()
            compile_flow(flow)  # checks the flow, builds the ASL, estimates the cost
            measured.append([kind, n, time.perf_counter() - started])
    return measured


def compile_rows(sizes: Sizes) -> list[Row]:
    runs = [_fresh_value("rows.compile_seconds(sizes)", sizes) for _ in range(COMPILE_RUNS)]
    best = {(kind, n): min(run[i][2] for run in runs) for i, (kind, n, _) in enumerate(runs[0])}
    rows = []
    for kind in _COMPILE_KINDS:
        first = best[(kind, sizes.compile_sizes[0])] / sizes.compile_sizes[0]
        for n in sizes.compile_sizes:
            seconds = best[(kind, n)]
            goal = COMPILE_GOALS.get((kind, n))
            # ratio: time per node against the smallest size's (1.0 = linear)
            rows.append(Row(f"compile {kind} x{n}", f"{seconds:.2f} s", f"{first * 1e6:.0f} µs/node at {sizes.compile_sizes[0]}",
                            seconds / n / first, f"≤ {goal:g} s" if goal else "-", seconds <= goal if goal else None))
    return rows


# ---------------------------------------------------------------- start-up and cold start
def _best(command: list[str], runs: int, env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - started)
    return best


def _command_times(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + sys of the child, every thread) of one run of ``command`` in ROOT."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _min2(best: tuple[float, float], new: tuple[float, float]) -> tuple[float, float]:
    return min(best[0], new[0]), min(best[1], new[1])


def _flowctl() -> list[str]:
    script = Path(sys.executable).with_name("flowctl")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from orchestrator.cli.app import main; main()"]


_COLD = """
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, {folder!r})
import app
event = {{"input": {{"name": "Ada"}}, "params": {{}}, "context": {{"flow": "liteflow-hello", "node": "hello",
          "run_id": "bench-1", "execution": "arn:aws:states:us-east-1:123456789012:execution:x:bench-1", "attempt": 0}}}}
app.lambda_handler(event, None)
print(json.dumps(time.perf_counter() - started))
"""


class _FakeDynamo(BaseHTTPRequestHandler):
    """Answers every DynamoDB call with ``{}`` (a put or update that returned no attributes).

    Over plain HTTP: the row leaves out what a Lambda pays on top for TLS to DynamoDB, whichever
    client it uses (importing ``ssl``, parsing the CA bundle, the handshake's round trips)."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


def _cold_start(env: dict[str, str], runs: int) -> float:
    script = _COLD.format(folder=str(ROOT / "functions" / "hello"))
    best = float("inf")
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        best = min(best, float(out.stdout.strip().splitlines()[-1]))
    return best


COLD_START_MS, ISSUE_PASS_MS = 120, 21
COLD_START_GOAL = COLD_START_MS / ISSUE_PASS_MS
"""A node's cold start against ``python -c pass`` (issue 14): its goal, 120 ms, was set on a
machine where ``python -c pass`` took 21 ms (the same issue's start-up row: 502 vs 21 ms). Both
slow down together on a shared machine (in one slow phase of ours, 151 ms against 40 ms: 3.8×),
so a goal in milliseconds is met or missed by the machine's phase. It is judged as that ratio,
like every other row's goal, and the milliseconds are printed beside it."""


def startup_rows(sizes: Sizes) -> list[Row]:
    runs = sizes.starts
    bare = _best([sys.executable, "-c", "pass"], runs)
    rows = []
    # With bytecode, as users start them: pip compiles an installed flowctl, and the runtime layer
    # ships its bytecode (Lambda cannot write any). The first of the runs writes it; the best counts.
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as home:
        env = {**environ, "FLOWCTL_HOME": home}
        # the repeated command a user runs: the first run fills the compile cache, the best is a warm
        # one; its runs take turns with the baseline's (a load change on a shared machine then hits both)
        hello = cold = hello_cpu = bare_cpu = float("inf")
        command = [*_flowctl(), "run", "flows/liteflow-hello.json"]
        for _ in range(runs):
            bare, bare_cpu = _min2((bare, bare_cpu), _command_times([sys.executable, "-c", "pass"]))
            hello, hello_cpu = _min2((hello, hello_cpu), _command_times(command, env))
        rows.append(Row("flowctl run liteflow-hello (compile cache warm) / python -c pass", _ms(hello), _ms(bare),
                        hello / bare, "≤ 10×", hello / bare <= 10))
        rows.append(Row("  the same, CPU time (user + sys, all threads)", _ms(hello_cpu), _ms(bare_cpu),
                        hello_cpu / bare_cpu, "-"))
        for _ in range(runs):  # a flow's first run: an empty cache each time
            bare = min(bare, _best([sys.executable, "-c", "pass"], 1))
            fresh = {**env, "FLOWCTL_HOME": tempfile.mkdtemp(dir=home)}
            cold = min(cold, _best(command, 1, env=fresh, cwd=ROOT))
        rows.append(Row("flowctl run liteflow-hello, empty compile cache / python -c pass",
                        _ms(cold), _ms(bare), cold / bare, "-"))
        env = {k: v for k, v in environ.items() if not k.startswith(("FLOWCTL_", "AWS_"))}
        server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeDynamo)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        plain = dynamo = float("inf")
        try:
            dynamo_env = {**env, "FLOWCTL_TABLE": "bench-runs", "AWS_DEFAULT_REGION": "us-east-1",
                          "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                          "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{server.server_address[1]}"}
            # The two take turns: the best of each is then taken over twice the time (a row's 9
            # starts one after the other all fell in one slow second: 147 ms, against 93-99 ms
            # measured a minute later)
            for _ in range(runs):
                plain = min(plain, _cold_start(env, 1))
                dynamo = min(dynamo, _cold_start(dynamo_env, 1))
        finally:
            server.shutdown()
        goal = f"≤ {COLD_START_GOAL:.1f}× ({COLD_START_MS} ms at {ISSUE_PASS_MS} ms)"
        rows.append(Row("node cold start (import + first call)", _ms(plain), _ms(bare), plain / bare, goal,
                        plain / bare <= COLD_START_GOAL))
        rows.append(Row("node cold start, DynamoDB store (local stub)", _ms(dynamo), _ms(bare), dynamo / bare,
                        goal, dynamo / bare <= COLD_START_GOAL))
    return rows


# ---------------------------------------------------------------- memory of a big fan-out
_MEMORY = """
import json, os, sys, tempfile
from pathlib import Path
sys.path.insert(0, {root!r})
from bench.rows import foreach_definition
from orchestrator.flowlang.project import Project
items, how = {items}, {how!r}
compiled = foreach_definition(items, mode="distributed", body="set")
if how == "engine":
    from orchestrator.engine import run_state_machine
    result = run_state_machine(compiled.definition, {{"n": items}})
else:
    from orchestrator.local.runner import LocalRunner
    from orchestrator.store.local import LocalRunStore
    with tempfile.TemporaryDirectory() as home:
        result = LocalRunner(Project(Path({root!r})), LocalRunStore(Path(home) / "runs.sqlite3")).run(compiled, {{"n": items}})
try:  # VmHWM: this process's own peak (ru_maxrss may carry the forking parent's)
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except OSError:
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps([result.status, peak]))
"""


def memory_rows(sizes: Sizes) -> list[Row]:
    rows = []
    for how, label in (("engine", "run_state_machine"), ("runner", "flowctl run")):
        for items in sizes.memory_items:
            script = _MEMORY.format(root=str(ROOT), items=items, how=how)
            out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
            status, kib = json.loads(out.stdout.strip().splitlines()[-1])
            mib = kib / 1024
            rows.append(Row(f"foreach x{items} ({label}), peak RSS", f"{mib:.0f} MB", status, None, "≤ 200 MB",
                            mib <= 200 and status == "SUCCEEDED"))
    return rows


_GROUPS: dict[str, Callable[[Sizes, int], list[Row]]] = {
    "JSONata states": jsonata_rows,
    "flowctl run foreach": lambda sizes, repeat: foreach_rows(sizes),
    "local store": lambda sizes, repeat: store_rows(sizes),
    "compiler": lambda sizes, repeat: compile_rows(sizes),
    "start-up": lambda sizes, repeat: startup_rows(sizes),
    "fan-out memory": lambda sizes, repeat: memory_rows(sizes),
}

_FRESH_MAIN = """
import dataclasses, json, sys
sys.path.insert(0, {root!r})
from bench import rows
sizes = rows.Sizes(**json.loads({sizes!r}))
print(json.dumps({call}))
"""


def _in_fresh_process(call: str, sizes: Sizes) -> list[Row]:
    """The rows that ``call`` (an expression of ``rows``, this module, and ``sizes``) returns
    in a fresh process."""
    return [Row(**row) for row in _fresh_value(f"[dataclasses.asdict(row) for row in {call}]", sizes)]


def _fresh_value(call: str, sizes: Sizes) -> Any:
    """What ``call`` (an expression as for :func:`_in_fresh_process`, of a JSON value) gives in a
    fresh process."""
    from dataclasses import asdict

    script = _FRESH_MAIN.format(root=str(ROOT), sizes=json.dumps(asdict(sizes)), call=call)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"bench {call} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def all_rows(sizes: Sizes, repeat: int, log: Callable[[str], None]) -> list[Row]:
    """Every row; each group in a fresh process, so that none pays for what another left in
    memory (a larger heap makes every garbage collection slower)."""
    rows: list[Row] = []
    for name in _GROUPS:
        rows.extend(_in_fresh_process(f"rows._GROUPS[{name!r}](sizes, {repeat})", sizes))
        log(f"  measured {name}")
    return rows


def _width(title: str, texts: Iterable[str]) -> int:
    """The width of a column: its title's or its longest text's."""
    return max([len(title), *map(len, texts)])


def print_rows(rows: list[Row]) -> None:
    what = _width("path (issue 14)", (row.what for row in rows))
    measured = _width("measured", (row.measured for row in rows))
    baseline = _width("baseline", (row.baseline for row in rows))
    goal = _width("goal", (row.goal for row in rows))
    print(f"{'path (issue 14)':<{what}}  {'measured':>{measured}}  {'baseline':<{baseline}}{'ratio':>8}  {'goal':<{goal}}  met")
    for row in rows:
        ratio = f"{row.ratio:>7.2f}x" if row.ratio is not None else f"{'-':>8}"
        met = {True: "yes", False: "NO", None: ""}[row.ok]
        print(f"{row.what:<{what}}  {row.measured:>{measured}}  {row.baseline:<{baseline}}{ratio}  {row.goal:<{goal}}  {met}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load:
        print(f"(load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; peak RSS of this process "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
