"""The runtime layer's source folder, written into a project from the installed flowctl.

``sam build`` builds the layer (``BuildMethod: makefile``) from ``<project>/.flowctl/layer/``:
a copy of the parts of the installed ``orchestrator`` package that Lambdas import (the node
runtime, the run store, io, the service layer, the flow models, the platform handlers and the
helpers node functions share), the pinned third-party requirements and the Makefile, both shipped
in this package. Not the compiler, the engine, the CLI, the deploy code or test helpers.

:func:`write_layer_source` (called by ``flowctl synth`` and before ``sam build``) replaces the
folder; it is generated, never committed (``.flowctl/`` is ignored).

Example::

    >>> write_layer_source(Path("my-project"))        # doctest: +SKIP
    PosixPath('my-project/.flowctl/layer')
"""

from __future__ import annotations

import shutil
from pathlib import Path

import orchestrator

__all__ = ["LAYER_DIR", "LAYER_MODULES", "LAYER_PACKAGES", "layer_sources", "write_layer_source"]

LAYER_DIR = Path(".flowctl") / "layer"
"""The layer's source folder, relative to the project root (the template's ``ContentUri``)."""

LAYER_PACKAGES = ("io", "nodekit", "platform", "runtime", "service", "spec", "store")
"""Sub-packages of ``orchestrator`` that run in a Lambda."""

LAYER_MODULES = ("__init__.py", "constants.py", "errors.py", "py.typed")
"""Top-level files of ``orchestrator`` those sub-packages import."""

_HERE = Path(__file__).resolve().parent
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


def layer_sources(package_dir: Path | None = None) -> list[Path]:
    """The files and folders of the installed ``orchestrator`` package that go into the layer."""
    root = package_dir or Path(orchestrator.__file__).resolve().parent
    return [root / name for name in (*LAYER_MODULES, *LAYER_PACKAGES)]


def write_layer_source(project_root: Path, package_dir: Path | None = None) -> Path:
    """(Re)write ``<project_root>/.flowctl/layer/``: the Makefile, requirements.txt and the slim
    ``orchestrator`` package copied from the installed one. Returns the folder."""
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
    for name in ("Makefile", "requirements.txt"):
        shutil.copy2(_HERE / name, target / name)
    return target
