"""``hearth init``: write a catalog somewhere the user can edit it: the seed platform, or a blank one.

Each YAML file written starts with a ``# yaml-language-server: $schema=`` line pointing at the catalog's
``.schema/`` (written beside it, generated from the models), so an editor completes and checks every key. The
loader ignores ``.schema/``: it reads ``platform.yaml``, ``claims.yaml`` and ``services/`` only.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from hearth.catalog.claims import CLAIMS_FILE
from hearth.catalog.loader import default_catalog_dir
from hearth.catalog.reference import FILES, SCHEMA_DIR, modeline, schema_text
from hearth.commands.terminal import Voice, echo, user_errors


def blank_catalog_dir() -> Path:
    """The packaged blank platform: one node, one namespace, one example component, no claims."""
    return Path(str(resources.files("hearth.catalog") / "blank"))


def _kind(relative: Path) -> str:
    """Which schema a catalog file follows, by where it is."""
    if relative.parts[0] == "services":
        return "component"
    return "claims" if relative.name == CLAIMS_FILE else "platform"


def catalog_files(blank: bool = False) -> dict[str, str]:
    """What ``hearth init`` writes, by path relative to the catalog: the YAML files with their schema line first,
    and the schemas in ``.schema/``."""
    source = blank_catalog_dir() if blank else default_catalog_dir()
    files: dict[str, str] = {}
    for path in sorted(p for p in source.rglob("*.yaml") if p.is_file()):
        relative = path.relative_to(source)
        line = modeline(_kind(relative), len(relative.parts) - 1)
        files[relative.as_posix()] = line + path.read_text(encoding="utf-8")
    files |= {f"{SCHEMA_DIR}/{kind}.schema.json": schema_text(kind) for kind in FILES}
    return files


def write_default_catalog(directory: Path, blank: bool = False, written: Callable[[str], None] | None = None) -> int:
    """Write the seed catalog (or the blank one) into ``directory`` (absent or empty); return how many files.
    ``written`` hears each file's relative path once it is written.

    Raises ValueError rather than overwrite a user's files.
    """
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ValueError(f"{directory}: exists and is not an empty directory; choose a new one")
    files = catalog_files(blank)
    for relative, text in files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if written is not None:
            written(relative)
    return len(files)


def init_command(directory: Path, voice: Voice, *, blank: bool) -> None:
    """``hearth init``: write the catalog and say how to validate it (the hint left out with --quiet)."""
    voice.stage(f"write: the {'blank' if blank else 'seed'} catalog and its schemas to {directory}")
    with user_errors():
        count = write_default_catalog(directory, blank=blank, written=voice.detail)
    voice.done()
    hint = "" if voice.quiet else f"; try: hearth validate --platform {directory}"
    echo(f"wrote {count} files to {directory}{hint}")
