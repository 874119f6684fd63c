"""Load Kubernetes manifests from YAML files and directories.

The loader is deliberately small and strict about syntax: any file that is not
valid YAML raises :class:`ManifestError` with a ``FILE:LINE: message`` line,
never a parser traceback. It is lenient about content: empty documents and
documents that are not mappings (Ansible playbooks, bare lists, scalars) are
skipped, because a directory of manifests often holds other YAML too. Deciding
what a mapping means is left to the caller.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hearth import parsememo
from hearth.buildindex import digest
from hearth.verify.build.fastyaml import plain_documents

__all__ = [
    "SAFE_LOADER",
    "YAML_SUFFIXES",
    "Document",
    "ManifestError",
    "iter_yaml_files",
    "load_documents",
    "parse_documents",
    "read_documents",
    "read_text",
]

YAML_SUFFIXES = frozenset({".yaml", ".yml"})

_Base: type[yaml.SafeLoader] | type[yaml.CSafeLoader]
_Base = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
SAFE_LOADER = _Base
"""The safe loader, libyaml's where PyYAML has it (the pure-Python parser is many times slower on a large build)."""


class _DuplicateKey(yaml.MarkedYAMLError):
    """A mapping names one key twice: kubectl's strict decoding refuses it, and a lenient reader would keep
    whichever came last, so a verdict could rest on a value the author did not mean."""


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader, refusing duplicate keys (as ``kubectl apply --validate=strict`` does)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping, or a YAML error at the second occurrence of a repeated key."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
                if key in seen and key != "<<":
                    raise _DuplicateKey(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
                seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


class ManifestError(ValueError):
    """A manifest could not be read or understood; ``str()`` is one ``FILE:LINE: message`` line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = " ".join(str(message).split())
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Document:
    """One YAML mapping and where it came from (1-based line of its first node)."""

    path: Path
    line: int | None
    obj: dict[str, Any]

    @property
    def kind(self) -> str:
        """The object's ``kind`` or ``""``, so callers can dispatch without type checks."""
        kind = self.obj.get("kind")
        return kind if isinstance(kind, str) else ""

    def error(self, message: str) -> ManifestError:
        """Build a :class:`ManifestError` pointing at this document, for content errors found later."""
        return ManifestError(self.path, self.line, message)


def iter_yaml_files(paths: Iterable[Path]) -> list[Path]:
    """Expand files and directories into a sorted, de-duplicated list of YAML files.

    Directories are walked recursively for ``*.yaml``/``*.yml`` (hidden files
    and directories are skipped, so ``.git`` or ``.github`` never leak in); a
    file named explicitly is taken whatever its suffix. Order is deterministic:
    arguments in the order given, each directory's files sorted by path.
    """
    seen: set[Path] = set()
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(_walk_yaml(path))
        elif path.exists():
            found = [path]
        else:
            raise ManifestError(path, None, "no such file or directory")
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files


def _walk_yaml(top: Path) -> list[Path]:
    """The YAML files under ``top``, hidden names skipped; an unreadable directory is an error naming it, never
    skipped without a word (``Path.rglob`` skips what it cannot list, which would let an auditor pass a build it
    could not read)."""
    found: list[Path] = []
    pending = [top]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as exc:
            raise ManifestError(directory, None, f"cannot read: {exc.strerror or exc}") from None
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif path.suffix in YAML_SUFFIXES and entry.is_file():
                found.append(path)
    return found


def load_documents(paths: Iterable[Path], read: Callable[[Path], bytes] = Path.read_bytes) -> list[Document]:
    """Read every YAML document under ``paths`` (see :func:`iter_yaml_files`), lists expanded."""
    documents: list[Document] = []
    for file in iter_yaml_files(paths):
        documents.extend(read_documents(file, read))
    return documents


def read_documents(path: Path, read: Callable[[Path], bytes] = Path.read_bytes) -> list[Document]:
    """The documents of the file ``path`` (see :func:`parse_documents`), read from disk (by ``read``: the check's
    one read of the build, ``hearth.verify.build.files``, hands out the bytes it read).

    When the SHA-256 of the bytes read is that of a text this process dumped from plain documents (a build
    rendered and audited in one process, ``hearth.parsememo``), those documents are its parse: they are taken
    instead of parsing the text again. Any other bytes, an edited file's included, are parsed as they are."""
    try:
        data = read(path)
    except OSError as exc:
        raise ManifestError(path, None, f"cannot read: {exc.strerror or exc}") from None
    known = parsememo.recall(digest(data))
    if known is not None and not any(obj.get("kind") == "List" for _, obj in known):
        return [Document(path, line, obj) for line, obj in known]
    return parse_documents(_decoded(data, path), path)


def _decoded(data: bytes, path: Path) -> str:
    """``data`` as ``Path.read_text`` would give it: UTF-8, line ends translated to ``\\n``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ManifestError(path, None, "cannot read: not UTF-8 text") from None
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path``; ManifestError naming it when it cannot be read or is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ManifestError(path, None, "cannot read: not UTF-8 text") from None
    except OSError as exc:
        raise ManifestError(path, None, f"cannot read: {exc.strerror or exc}") from None


def parse_documents(text: str, path: Path) -> list[Document]:
    """Parse multi-document YAML ``text``; skip empty and non-mapping documents; expand ``kind: List``.

    Plain documents (most of a build) are built from libyaml's events by :mod:`hearth.verify.build.fastyaml`;
    whatever that cannot answer exactly as the loader would (an anchor, a tag, a duplicate key, an error, a
    ``kind: List``, ...) is parsed by the loader itself, so the data and the errors are the loader's."""
    plain = plain_documents(text, _Loader)
    if plain is not None and not any(type(data) is dict and data.get("kind") == "List" for _, data in plain):
        return [Document(path, line, data) for line, data in plain if type(data) is dict]
    return _loaded_documents(text, path)


def _loaded_documents(text: str, path: Path) -> list[Document]:
    """:func:`parse_documents` by the duplicate-refusing loader itself."""
    loader = _Loader(text)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            data = loader.construct_document(node)
            documents.extend(_expand(path, node, data))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "unparseable"
        raise ManifestError(path, line, f"invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ManifestError(path, line, f"invalid YAML: {exc.reason}") from None
    except yaml.YAMLError as exc:
        raise ManifestError(path, None, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return documents


def _expand(path: Path, node: yaml.Node, data: object) -> Iterator[Document]:
    """Yield ``data`` as a document, or its items if it is a ``kind: List``."""
    if not isinstance(data, dict):
        return
    line = node.start_mark.line + 1
    if data.get("kind") != "List":
        yield Document(path, line, data)
        return
    items = data.get("items") or []
    if not isinstance(items, list):
        raise ManifestError(path, line, "kind: List: 'items' must be a list")
    item_nodes = _list_item_nodes(node)
    for index, item in enumerate(items):
        item_node = item_nodes[index] if index < len(item_nodes) else node
        yield from _expand(path, item_node, item)


def _list_item_nodes(node: yaml.Node) -> list[yaml.Node]:
    """The nodes of a List's ``items`` sequence, to report per-item line numbers."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "items" and isinstance(value, yaml.SequenceNode):
                return list(value.value)
    return []
