"""Import a node function's ``app.py`` the way Lambda does, wherever flowctl runs it.

On Lambda a function's ``CodeUri`` folder and the runtime layer's ``python/`` folder are on
``sys.path``; the layer carries the project's shared code, ``functions/shared/`` (a package the
functions import as ``shared``, see :mod:`orchestrator.deploy.layer`). :func:`import_app` gives a
local import the same view: while ``app.py`` runs, its own folder and the project's
``functions/`` folder come first on ``sys.path``, so ``import helpers`` (a module next to
``app.py``) and ``from shared.x import y`` work in ``flowctl run``, ``flowctl serve``, the tests
and the catalog alike. Both folders leave ``sys.path`` afterwards.

Example::

    module = import_app(Path("functions/mark_verified/app.py"), "fn_mark_verified")
    module.lambda_handler
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["SHARED_PACKAGE", "import_app"]

SHARED_PACKAGE = "shared"
"""The package under ``functions/`` that holds code several node functions share."""


def import_app(app: Path, module_name: str) -> ModuleType:
    """Execute ``app`` as the module ``module_name`` (registered in ``sys.modules``; removed
    again when it raises). Raises what the module raises, or ImportError when ``app`` is not a
    loadable file."""
    spec = importlib.util.spec_from_file_location(module_name, app)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {app}")
    module = importlib.util.module_from_spec(spec)
    folders = [str(app.parent), str(app.parent.parent)]
    sys.path[:0] = folders
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    finally:
        for folder in folders:
            with contextlib.suppress(ValueError):
                sys.path.remove(folder)
    return module
