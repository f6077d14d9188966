"""The runtime layer's source folder, written into a project from the installed flowctl.

``sam build`` builds the layer (``BuildMethod: makefile``) from ``<project>/.flowctl/layer/``:
a copy of the parts of the installed ``orchestrator`` package that Lambdas import (the node
runtime, the run store, io, the service layer, the flow models and the platform handlers), the
pinned third-party requirements and the Makefile, both shipped in this package. Not the
compiler, the engine, the CLI, the deploy code or the testing package. The project's own shared
code, ``functions/shared/`` (the ``shared`` package its functions import; see
:mod:`orchestrator.function_import`), goes in too, next to ``orchestrator``: on Lambda a
function's package holds only its own folder.

:func:`write_layer_source` (called by ``flowctl synth`` and before ``sam build``) replaces the
folder; it is generated, never committed (``.flowctl/`` is ignored).

Example::

    >>> write_layer_source(Path("my-project"))        # doctest: +SKIP
    PosixPath('my-project/.flowctl/layer')
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import orchestrator
from orchestrator.function_import import SHARED_PACKAGE

__all__ = ["LAYER_DIR", "LAYER_MODULES", "LAYER_PACKAGES", "imported_modules", "layer_sources", "write_layer_source"]

LAYER_DIR = Path(".flowctl") / "layer"
"""The layer's source folder, relative to the project root (the template's ``ContentUri``)."""

LAYER_PACKAGES = ("flowlang", "io", "platform", "runtime", "service", "store")
"""Sub-packages of ``orchestrator`` that run in a Lambda."""

LAYER_MODULES = ("__init__.py", "constants.py", "errors.py", "py.typed")
"""Top-level files of ``orchestrator`` always shipped; the other top-level modules those
sub-packages import (``strict_json``, ``limits``...) are found by :func:`imported_modules`."""

_HERE = Path(__file__).resolve().parent
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


def _imports(path: Path) -> set[str]:
    """Names ``X`` that ``path`` imports as ``orchestrator.X`` or ``from orchestrator import X``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "orchestrator":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("orchestrator."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("orchestrator."))
    return found


def imported_modules(root: Path) -> list[str]:
    """Top-level modules of the package at ``root`` (``X.py``) that the layer's sub-packages and
    modules import, directly or through each other."""
    files = [p for name in LAYER_PACKAGES for p in sorted((root / name).rglob("*.py"))]
    files += [root / name for name in LAYER_MODULES if name.endswith(".py")]
    seen: set[str] = set()
    while files:
        for name in _imports(files.pop()):
            module = root / f"{name}.py"
            if name not in seen and module.is_file():
                seen.add(name)
                files.append(module)
    return sorted(f"{name}.py" for name in seen - {Path(m).stem for m in LAYER_MODULES})


def layer_sources(package_dir: Path | None = None) -> list[Path]:
    """The files and folders of the installed ``orchestrator`` package that go into the layer."""
    root = package_dir or Path(orchestrator.__file__).resolve().parent
    names = (*LAYER_MODULES, *imported_modules(root), *LAYER_PACKAGES)
    return [root / name for name in names]


def write_layer_source(project_root: Path, package_dir: Path | None = None) -> Path:
    """(Re)write ``<project_root>/.flowctl/layer/``: the Makefile, requirements.txt, the slim
    ``orchestrator`` package copied from the installed one and, when the project has one, its
    ``functions/shared/`` package. Returns the folder."""
    target = project_root / LAYER_DIR
    if target.exists():
        shutil.rmtree(target)
    package = target / "orchestrator"
    package.mkdir(parents=True)
    for source in layer_sources(package_dir):
        if source.is_dir():
            shutil.copytree(source, package / source.name, ignore=_SKIP)
        elif source.exists():
            shutil.copy2(source, package / source.name)
    shared = project_root / "functions" / SHARED_PACKAGE
    if shared.is_dir():
        shutil.copytree(shared, target / SHARED_PACKAGE, ignore=_SKIP)
    for name in ("Makefile", "requirements.txt"):
        shutil.copy2(_HERE / name, target / name)
    return target
