"""Turn rendered objects into text, and text into a build directory, atomically.

``dump_yaml`` is the one YAML writer of ``hearth render``: no anchors or aliases (every object stands alone, as
Kubernetes and Helm expect), keys in the order the renderers built them, block style, and lines that never fold,
so two renders of one catalog are byte-identical and a string reads back exactly as it was.

``write_tree`` replaces the output directory as a whole (see ``hearth.render.package.swap``): at every instant
``--out`` is the complete old build or the complete new one, what a killed run left is removed by the next, and a
directory that is not a previous build is never replaced, so a mistyped ``--out`` deletes nothing. Beside the
files it writes the build's index (``hearth.buildindex``), which ``hearth check`` holds the directory to.

Kept whole: the text writer and the tree writer are the two halves of one step, text to a build, and the kill and
failure tests hook ``_make_dir`` and ``_write_file`` here beside the checks of the paths they write.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from hearth.buildindex import INDEX, MARKER, index_text
from hearth.render.package.emit import PlainEmitter
from hearth.render.package.swap import exchange_into, new_sibling, remove_stale

__all__ = [
    "INDEX",
    "MARKER",
    "MARKER_TEXT",
    "dump_all",
    "dump_yaml",
    "forget_texts",
    "pyyaml_text",
    "refuse_overlap",
    "refuse_unreplaceable",
    "write_tree",
]

MARKER_TEXT = "Written by `hearth render`. The whole directory is replaced on the next render: do not edit it.\n"

# Plain scalars YAML 1.1 readers (go-yaml v2, used by Helm and kubectl) take for booleans, but PyYAML does not.
_GO_YAML_BOOLS = frozenset({"y", "Y", "n", "N"})


# libyaml's emitter (CSafeDumper) when PyYAML has it: about four times faster, and it writes the rare Unicode line
# separators (U+0085, U+2028) as escapes in double quotes. The pure-Python emitter is the fallback.
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
SAFE_DUMPER = _BaseDumper
"""``yaml.safe_dump``'s dumper with libyaml's emitter, for the files written as PyYAML's defaults write them."""


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_BOOL, _INT, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:null"


class HearthDumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """A SafeDumper that never writes anchors or aliases, and writes multi-line strings as literal blocks.

    The build's documents are plain dicts, lists, strings, numbers, booleans and None: ``represent_data`` makes
    their nodes directly (the nodes SafeRepresenter makes, field for field), and everything else (tuples, floats,
    any other type) goes the representer's own way. The emitter asks ``resolve`` twice per scalar whether its
    implicit tag is its own; the answer depends on the text and the flags alone (a safe dumper has no path
    resolvers), so it is remembered. Dumping the seed's 784 chart documents took 165 ms CPU the generic way and
    takes 138 ms this way; libyaml's emitter is most of what is left."""

    def ignore_aliases(self, data: Any) -> bool:
        """Never share a node: a repeated dict is written out again in full."""
        return True

    def represent_data(self, data: Any) -> yaml.Node:
        """The node of ``data``, made directly for the plain types of a block-style, unsorted dump."""
        kind = type(data)
        if self.sort_keys or self.default_flow_style is not False or self.default_style is not None:
            return self._represented(data)
        if kind is str:
            style = "|" if "\n" in data else "'" if data in _GO_YAML_BOOLS else None
            return yaml.ScalarNode(_STR, data, style=style)
        if kind is dict:
            items = [(self.represent_data(key), self.represent_data(value)) for key, value in data.items()]
            return yaml.MappingNode(_MAP, items, flow_style=False)
        if kind is list:
            return yaml.SequenceNode(_SEQ, [self.represent_data(item) for item in data], flow_style=False)
        if kind is bool:
            return yaml.ScalarNode(_BOOL, "true" if data else "false")
        if kind is int:
            return yaml.ScalarNode(_INT, str(data))
        if data is None:
            return yaml.ScalarNode(_NULL, "null")
        return self._represented(data)

    def _represented(self, data: Any) -> yaml.Node:
        """The node SafeRepresenter makes of ``data`` (its children come back through ``represent_data``)."""
        node: yaml.Node = super().represent_data(data)
        return node

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """The implicit tag the resolver gives ``value``, remembered for a scalar (the emitter asks twice for each
        scalar, once plain and once quoted, whether its tag is implicit)."""
        if kind is yaml.ScalarNode:
            return _scalar_tag(value, implicit)
        return str(super().resolve(kind, value, implicit))


@functools.lru_cache(maxsize=1 << 16)
def _scalar_tag(value: str, implicit: tuple[bool, bool]) -> str:
    """A scalar's implicit tag: it depends on its text and the flags alone (a safe dumper has no path resolvers)."""
    return str(_RESOLVE(yaml.ScalarNode, value, implicit))


_RESOLVE: Callable[..., Any] = yaml.resolver.Resolver().resolve


# resolve answers as a dumper's own resolver would: the same implicit resolvers, and no path resolvers.
assert HearthDumper.yaml_implicit_resolvers is yaml.resolver.Resolver.yaml_implicit_resolvers
assert not HearthDumper.yaml_path_resolvers


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar(_STR, data, style="|")
    if data in _GO_YAML_BOOLS:
        return dumper.represent_scalar(_STR, data, style="'")
    return dumper.represent_scalar(_STR, data)


def _represent_tuple(dumper: yaml.SafeDumper, data: tuple[Any, ...]) -> yaml.SequenceNode:
    return dumper.represent_list(list(data))


HearthDumper.add_representer(str, _represent_str)
HearthDumper.add_representer(tuple, _represent_tuple)

# No line is ever folded: a long string (a NetworkPolicy annotation, a PromQL expression) stays on one line.
_WIDTH = 1 << 30


def pyyaml_text(data: Any) -> str:
    """``dump_yaml``'s document as PyYAML writes it (HearthDumper, libyaml's emitter): the reference the direct
    writer is held to, and what writes anything it does not handle."""
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


_EMITTER = PlainEmitter(pyyaml_text)


def dump_yaml(data: Any) -> str:
    """One YAML document: block style, keys in build order, no aliases, no folding, UTF-8 kept readable.

    Written directly for plain data (``hearth.render.package.emit``), byte for byte as ``pyyaml_text``."""
    return _EMITTER.dump(data)


def forget_texts() -> None:
    """Forget the scalar texts and tags the writer remembered, so the next render pays what a fresh process pays
    (tests/test_linear_cost.py counts a render's calls; the memory is per process otherwise)."""
    global _EMITTER
    _EMITTER = PlainEmitter(pyyaml_text)
    _scalar_tag.cache_clear()


def dump_all(documents: Iterable[Any]) -> str:
    """A multi-document YAML stream, each document introduced by ``---``; empty for no documents."""
    return "".join(f"---\n{dump_yaml(doc)}" for doc in documents)


def _checked_path(relative: str) -> str:
    """``relative`` when it is a plain relative path inside the build: no empty, ``.`` or ``..`` part, not absolute,
    nothing PurePosixPath would normalise away, not the marker or the index; ValueError otherwise."""
    parts = relative.split("/")
    if not relative or "" in parts or "." in parts or ".." in parts or relative in (MARKER, INDEX):
        raise ValueError(f"refusing to write {relative!r}: not a plain relative path inside the build directory")
    return relative


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def _make_dir(path: str) -> None:
    """One directory of the new build (its parent made before it)."""
    os.mkdir(path)


def _write_file(path: str, data: bytes) -> None:
    """One file of the new build, as ``Path.write_bytes`` writes it (mode 0o666 less the umask), without a Python
    file object."""
    fd = os.open(path, _CREATE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _folders(paths: Iterable[str]) -> list[str]:
    """Every directory the relative ``paths`` need, each parent before its children."""
    folders: set[str] = set()
    for rel in paths:
        cut = rel.rfind("/")
        while cut > 0:
            folder = rel[:cut]
            if folder in folders:
                break
            folders.add(folder)
            cut = rel.rfind("/", 0, cut)
    return sorted(folders)  # a path sorts after its own prefix: parents come first


def _looks_like_build(out: Path) -> bool:
    """True when ``out`` may be replaced: it does not exist, is an empty directory, or holds the marker file."""
    if not out.exists() and not out.is_symlink():
        return True
    if out.is_symlink() or not out.is_dir():
        return False
    return (out / MARKER).is_file() or not any(out.iterdir())


def refuse_unreplaceable(out: Path) -> None:
    """Raise ValueError when ``write_tree`` would refuse ``out`` (not empty and no marker), so a command can say
    so before computing anything."""
    if not _looks_like_build(Path(os.path.abspath(out))):
        raise ValueError(
            f"refusing to replace {os.path.abspath(out)}: it is not empty and not a previous hearth build "
            f"(no {MARKER} file)"
        )


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _inside(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def refuse_overlap(out: Path, catalog: Path) -> None:
    """Refuse a build directory inside the catalog, or a catalog inside the build directory (ValueError).

    Either way one render would break the other: the build's YAML would be read as components, or replacing the
    build would delete the catalog. Both paths are compared with links resolved."""
    real_out, real_catalog = Path(os.path.realpath(out)), Path(os.path.realpath(catalog))
    if _inside(real_out, real_catalog):
        raise ValueError(f"refusing to write the build to {out}: it is inside the catalog {catalog}")
    if _inside(real_catalog, real_out):
        raise ValueError(f"refusing to write the build to {out}: the catalog {catalog} is inside it")


def _located(exc: OSError, path: Path, out: Path) -> OSError:
    """``exc`` naming ``path`` (write errors such as ENOSPC come without one), saying the old build is intact."""
    reason = exc.strerror or str(exc)
    return OSError(exc.errno, f"{reason} (writing the new build; {out} is unchanged)", str(path))


def write_tree(files: Mapping[str, str], out: Path) -> None:
    """Write ``files`` ({relative path: text}) as the directory ``out``, replacing what was there atomically.

    Everything is written into a temporary sibling directory first, with the marker and the index, then
    exchanged with ``out`` in one step and the old build removed. On any error the previous ``out`` is left as it
    was and the temporary directory is removed; every I/O error names its path. Raises ValueError, before writing
    anything, when ``out`` exists, is not empty and has no ``.hearth-build`` marker (it is not a previous build).
    """
    out = Path(os.path.abspath(out))
    refuse_unreplaceable(out)
    checked = {_checked_path(rel): text.encode("utf-8") for rel, text in files.items()}
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot create the build's parent: {exc.strerror or exc}", str(out.parent)) from exc
    remove_stale(out)
    tmp = new_sibling(out)
    root = os.fspath(tmp) + "/"
    current = ""  # the relative path being made, for the error
    try:
        for current in _folders(checked):
            _make_dir(root + current)
        for current, data in sorted(checked.items()):
            _write_file(root + current, data)
        current = INDEX
        _write_file(root + INDEX, index_text(checked).encode())
        current = MARKER
        _write_file(root + MARKER, MARKER_TEXT.encode("utf-8"))
        current = ""
        tmp.chmod(0o777 & ~_umask())
        old = exchange_into(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _located(exc, out / current if current else out, out) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)  # a kill here leaves it to the next run's remove_stale
