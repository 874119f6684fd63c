"""Turn rendered objects into text, and text into a build directory, atomically.

``dump_yaml`` is the one YAML writer of ``hearth render``: no anchors or aliases (every object stands alone, as
Kubernetes and Helm expect), keys in the order the renderers built them, block style, and lines that never fold,
so two renders of one catalog are byte-identical and a string reads back exactly as it was.

``write_tree`` replaces the output directory as a whole: a render never leaves a half-written build behind, and
it refuses to replace a directory that is not a previous build, so a mistyped ``--out`` deletes nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

MARKER = ".hearth-build"
MARKER_TEXT = "Written by `hearth render`. The whole directory is replaced on the next render: do not edit it.\n"

# Plain scalars YAML 1.1 readers (go-yaml v2, used by Helm and kubectl) take for booleans, but PyYAML does not.
_GO_YAML_BOOLS = frozenset({"y", "Y", "n", "N"})


# libyaml's emitter (CSafeDumper) when PyYAML has it: about four times faster, and it writes the rare Unicode line
# separators (U+0085, U+2028) as escapes in double quotes. The pure-Python emitter is the fallback.
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class HearthDumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """A SafeDumper that never writes anchors or aliases, and writes multi-line strings as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        """Never share a node: a repeated dict is written out again in full."""
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    if data in _GO_YAML_BOOLS:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _represent_tuple(dumper: yaml.SafeDumper, data: tuple[Any, ...]) -> yaml.SequenceNode:
    return dumper.represent_list(list(data))


HearthDumper.add_representer(str, _represent_str)
HearthDumper.add_representer(tuple, _represent_tuple)

# No line is ever folded: a long string (a NetworkPolicy annotation, a PromQL expression) stays on one line.
_WIDTH = 1 << 30


def dump_yaml(data: Any) -> str:
    """One YAML document: block style, keys in build order, no aliases, no folding, UTF-8 kept readable."""
    text: str = yaml.dump(
        data,
        Dumper=HearthDumper,
        sort_keys=False,
        default_flow_style=False,
        width=_WIDTH,
        allow_unicode=True,
        explicit_start=False,
    )
    return text


def dump_all(documents: Iterable[Any]) -> str:
    """A multi-document YAML stream, each document introduced by ``---``; empty for no documents."""
    return "".join(f"---\n{dump_yaml(doc)}" for doc in documents)


def _checked_path(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if not relative or path.is_absolute() or ".." in path.parts or str(path) != relative or relative == MARKER:
        raise ValueError(f"refusing to write {relative!r}: not a plain relative path inside the build directory")
    return path


def _looks_like_build(out: Path) -> bool:
    """True when ``out`` may be replaced: it does not exist, is an empty directory, or holds the marker file."""
    if not out.exists() and not out.is_symlink():
        return True
    if out.is_symlink() or not out.is_dir():
        return False
    return (out / MARKER).is_file() or not any(out.iterdir())


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_tree(files: Mapping[str, str], out: Path) -> None:
    """Write ``files`` ({relative path: text}) as the directory ``out``, replacing what was there atomically.

    Everything is written into a temporary sibling directory first, then swapped in by two renames (the old
    ``out`` moved aside, the new one moved in) and the old one removed. On any error the previous ``out`` is
    left as it was and the temporary directory is removed. Raises ValueError, before writing anything, when
    ``out`` exists, is not empty and has no ``.hearth-build`` marker (it is not a previous build).
    """
    out = Path(os.path.abspath(out))
    if not _looks_like_build(out):
        raise ValueError(
            f"refusing to replace {out}: it is not empty and not a previous hearth build (no {MARKER} file)"
        )
    checked = {_checked_path(rel): text for rel, text in files.items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        for folder in sorted({rel.parent for rel in checked} - {PurePosixPath(".")}):
            tmp.joinpath(*folder.parts).mkdir(parents=True, exist_ok=True)
        for rel, text in sorted(checked.items()):
            tmp.joinpath(*rel.parts).write_bytes(text.encode("utf-8"))
        (tmp / MARKER).write_bytes(MARKER_TEXT.encode("utf-8"))
        tmp.chmod(0o777 & ~_umask())
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(new: Path, out: Path) -> None:
    """Move ``new`` to ``out``; an existing ``out`` is renamed aside first and removed once ``new`` is in place."""
    if not out.exists():
        os.rename(new, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
