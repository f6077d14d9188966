"""The working folder of node functions in a local run: the project root, wherever flowctl runs.

A node function that opens ``data/prices.csv`` gets the project's file whether ``flowctl run`` was
started in the project, in a sub-folder or elsewhere with an absolute flow path; and
``FLOWCTL_PROJECT_DIR`` (the base of relative paths in :mod:`orchestrator.io`) names the project
unless the caller set it. Both are restored when the block ends.

Example::

    with project_workdir(project.root):
        runner.run(compiled, params)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from orchestrator.io.location import PROJECT_DIR_ENV

__all__ = ["project_workdir"]


@contextlib.contextmanager
def project_workdir(root: Path) -> Iterator[Path]:
    """Within the block: the current folder is ``root``; ``FLOWCTL_PROJECT_DIR`` defaults to it."""
    previous = os.environ.get(PROJECT_DIR_ENV)
    if previous is None:
        os.environ[PROJECT_DIR_ENV] = str(root)
    try:
        with contextlib.chdir(root):
            yield root
    finally:
        if previous is None:
            os.environ.pop(PROJECT_DIR_ENV, None)
