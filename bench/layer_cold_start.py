"""``python -m bench.layer_cold_start``: a node function's cold start (import + first call) with the
runtime layer before slimming (the whole ``orchestrator`` package, as the layer used to hold) and
after (:func:`orchestrator.deploy.layer.write_layer_source`: only what Lambdas import), plus the
size of the layer's ``orchestrator`` part.

Each sample is a fresh interpreter (a cold container, without ``site``): ``sys.path`` is the
function's folder, then the layer's copy of ``orchestrator``, then this interpreter's
site-packages for third-party packages (Powertools, pydantic...: the same in both layers). Options: ``--function NAME``
(default ``hello``), ``--runs N`` (default 15; the median is printed).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import orchestrator
from orchestrator.deploy.layer import write_layer_source

ROOT = Path(__file__).resolve().parents[1]
SITE = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
PROBE = """
import sys, time, json
start = time.perf_counter()
sys.path[:0] = [sys.argv[1], sys.argv[2]]
sys.path += sys.argv[4:]
import app
imported = time.perf_counter()
event = json.loads(open(sys.argv[3]).read())
app.lambda_handler(event, None)
called = time.perf_counter()
import orchestrator
assert orchestrator.__file__.startswith(sys.argv[2]), orchestrator.__file__
print(json.dumps({"import_ms": (imported - start) * 1000, "first_call_ms": (called - imported) * 1000,
                  "modules": sum(1 for m in sys.modules if m.startswith("orchestrator"))}))
"""


def _size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return len(files), sum(p.stat().st_size for p in files)


def _layers(work: Path) -> dict[str, Path]:
    package = Path(orchestrator.__file__).resolve().parent
    full = work / "full"
    shutil.copytree(package, full / "orchestrator", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    slim = write_layer_source(work / "slim-project")
    return {"before (whole package)": full, "after (slim layer)": slim}


def _sample(function: str, layer: Path, event: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-B", "-S", "-c", PROBE, str(ROOT / "functions" / function), str(layer), str(event), *SITE],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.layer_cold_start", description=__doc__)
    parser.add_argument("--function", default="hello")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    event = ROOT / "events" / f"{args.function}.json"
    with tempfile.TemporaryDirectory() as tmp:
        layers = _layers(Path(tmp))
        print(f"{'layer':<24}{'files':>7}{'KiB':>8}{'import ms':>11}{'1st call ms':>13}{'total ms':>10}{'modules':>9}")
        for name, layer in layers.items():
            files, size = _size(layer / "orchestrator")
            samples = [_sample(args.function, layer, event) for _ in range(args.runs)]
            imp = statistics.median(s["import_ms"] for s in samples)
            call = statistics.median(s["first_call_ms"] for s in samples)
            total = statistics.median(s["import_ms"] + s["first_call_ms"] for s in samples)
            print(f"{name:<24}{files:>7}{size / 1024:>8.0f}{imp:>11.1f}{call:>13.1f}{total:>10.1f}{int(samples[0]['modules']):>9}")
    print(f"\nnode function {args.function}, median of {args.runs} fresh interpreters ({sys.version.split()[0]}); "
          "the third-party packages are the same in both layers.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
