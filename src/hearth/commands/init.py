"""``hearth init``: copy the packaged default catalog somewhere the user can edit it."""

from __future__ import annotations

import shutil
from pathlib import Path

from hearth.catalog.loader import default_catalog_dir


def write_default_catalog(directory: Path) -> int:
    """Copy the default catalog into ``directory`` (absent or empty); return how many files were written.

    Raises ValueError rather than overwrite a user's files.
    """
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ValueError(f"{directory}: exists and is not an empty directory; choose a new one")
    source = default_catalog_dir()
    files = sorted(p for p in source.rglob("*.yaml") if p.is_file())
    for path in files:
        target = directory / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return len(files)
