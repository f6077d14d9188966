"""Package a built SAM template: code to S3, state machine definitions inline.

``sam build`` leaves each function and layer as a folder next to the built template, and each
state machine as a ``DefinitionUri`` to its ASL file. :func:`package_template` zips every folder,
hands it to ``upload`` (which returns an ``s3://`` URI) and points ``CodeUri`` / ``ContentUri`` at
it; definitions are read and put inline (``Definition``), so ``DefinitionSubstitutions`` can be
applied to them after translation. The input template is not changed.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrator.deploy.errors import DeployError

__all__ = ["package_template", "zip_folder"]

Upload = Callable[[str, bytes], str]
"""``upload(key, data)`` stores ``data`` and returns its ``s3://bucket/key`` URI."""

CODE_PROPERTIES = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}
_EPOCH = (1980, 1, 1, 0, 0, 0)


def zip_folder(folder: Path) -> bytes:
    """A zip of every file under ``folder`` (sorted, fixed timestamps: same files, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), _EPOCH)
            info.external_attr = (path.stat().st_mode & 0o777) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def package_template(template: dict[str, Any], build_dir: Path, upload: Upload, prefix: str = "") -> dict[str, Any]:
    """``template`` (built by ``sam build`` into ``build_dir``) with code in S3 and definitions inline."""
    packaged = copy.deepcopy(template)
    for logical, resource in packaged.get("Resources", {}).items():
        props = resource.get("Properties", {})
        key = CODE_PROPERTIES.get(resource.get("Type", ""))
        if key and isinstance(props.get(key), str):
            folder = build_dir / props[key]
            if not folder.is_dir():
                raise DeployError(f"{logical}: {key} {props[key]!r} is no folder of the build in {build_dir}", hint="run sam build again")
            data = zip_folder(folder)
            digest = hashlib.sha256(data).hexdigest()[:16]
            props[key] = upload(f"{prefix}{logical}-{digest}.zip", data)
        if resource.get("Type") == "AWS::Serverless::StateMachine" and isinstance(props.get("DefinitionUri"), str):
            path = build_dir / props.pop("DefinitionUri")
            try:
                props["Definition"] = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError) as exc:
                raise DeployError(f"{logical}: cannot read its definition {path}: {exc}", hint="run `flowctl synth`") from None
    return packaged
