"""YAML reading that remembers where every value came from, so errors can name file and line.

One module, a little over 300 lines, on purpose: the bounds below and the located loader are one read (each limit is
checked where the text is read, and every error carries the file and line the reader recorded); apart, a new reader
could skip a bound.

Files are read as hostile input: only regular files are opened (a FIFO, device, socket or a link to one is
refused before opening, so nothing can block or stream forever), at most ``MAX_FILE_BYTES`` of them; nesting is
bounded (``MAX_DEPTH``) and so is what aliases expand to (``MAX_NODES``), so a small file cannot take the
loader's time or memory; a file that is not UTF-8 is reported at the line of its first bad byte.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[str | int, ...]

MAX_FILE_BYTES = 1 << 20  # the seed's largest file is 13 KB
MAX_DEPTH = 64  # the seed nests 9 levels deep
MAX_NODES = 100_000  # values one document may construct, aliases expanded (the seed's largest: ~1,000)


class CatalogError(Exception):
    """One bad input, reported as ``FILE:LINE: FIELD: message`` (one line, no traceback)."""

    def __init__(self, file: Path | str, line: int, fieldname: str, message: str) -> None:
        text = str(file)
        self.file = text if text.isprintable() else repr(text)  # a name with a line break stays on one line
        self.line = line
        self.field = " ".join(fieldname.split()) or "(document)"
        self.message = " ".join(message.split())
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"

    @property
    def errors(self) -> tuple[CatalogError, ...]:
        """Every problem this error stands for (itself alone, for one problem)."""
        return (self,)

    def lines(self) -> list[str]:
        """One ``FILE:LINE: FIELD: message`` line per problem, in report order."""
        return [str(error) for error in self.errors]

    def sort_key(self) -> tuple[str, int, str, str]:
        """Report order: by file, then line, then field and message."""
        return (self.file, self.line, self.field, self.message)


class CatalogErrors(CatalogError):
    """Every problem of one catalog, ordered by file and line; its own fields are those of the first.

    The loader reports them all at once, so that a user who deletes a component learns in one run everything
    that still needs it.
    """

    def __init__(self, errors: Iterable[CatalogError]) -> None:
        unique = {e.sort_key(): e for error in errors for e in error.errors}
        if not unique:
            raise ValueError("CatalogErrors needs at least one error")
        self._errors = tuple(unique[key] for key in sorted(unique))
        first = self._errors[0]
        super().__init__(first.file, first.line, first.field, first.message)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self._errors)

    @property
    def errors(self) -> tuple[CatalogError, ...]:
        """Every problem, ordered by file and line."""
        return self._errors


@dataclass
class Located:
    """A parsed YAML document with the line of every key path in it."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """Line of the deepest known prefix of ``loc`` (1 when nothing matches)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1

    def error(self, loc: Loc, message: str) -> CatalogError:
        """A CatalogError pointing at ``loc`` in this document."""
        return CatalogError(self.path, self.line_of(loc), format_loc(loc), message)


def format_loc(loc: Loc) -> str:
    """``('ports', 0, 'name')`` -> ``ports[0].name``; the empty path is ``(document)``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # A key that is empty, padded or holds a line break is shown quoted, so the error stays one line.
            key = part if part and part.isprintable() and part == part.strip() else repr(part)
            out += f".{key}" if out else key
    return out or "(document)"


def _construct(
    node: yaml.Node, loc: Loc, doc: Located, loader: Any, budget: list[int], active: frozenset[int] = frozenset()
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise CatalogError(
            doc.path, node.start_mark.line + 1, format_loc(loc), f"aliases expand to more than {MAX_NODES} values"
        )
    collection = isinstance(node, yaml.MappingNode | yaml.SequenceNode)
    if len(loc) >= MAX_DEPTH + (0 if collection else 1):  # the depth _check_nesting counts: collections only
        raise CatalogError(doc.path, node.start_mark.line + 1, "(yaml)", f"nested deeper than {MAX_DEPTH} levels")
    if collection:
        if id(node) in active:  # an alias inside its own anchor: constructing it would never end
            raise CatalogError(
                doc.path, node.start_mark.line + 1, format_loc(loc), "an anchor contains an alias of itself"
            )
        active = active | {id(node)}
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | bool | float) or key is None:
                raise CatalogError(doc.path, key_node.start_mark.line + 1, format_loc(loc), "keys must be scalars")
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                raise CatalogError(doc.path, key_node.start_mark.line + 1, format_loc((*loc, key)), "duplicate key")
            child = (*loc, key)
            doc.lines[child] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, child, doc, loader, budget, active)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*loc, index)
            doc.lines[child] = item.start_mark.line + 1
            items.append(_construct(item, child, doc, loader, budget, active))
        return items
    if node.tag == _STR:  # most values: what construct_object would return, without its bookkeeping
        return node.value
    return loader.construct_object(node, deep=True)


_STR = "tag:yaml.org,2002:str"
_CLoader: type[Any] | None = getattr(yaml, "CSafeLoader", None)


def _memoized(loader_class: type[Any]) -> type[Any]:
    """``loader_class`` whose implicit tag of a plain scalar is resolved once per distinct text in the process:
    libyaml composes, but asks the Python resolver (a regular expression per candidate tag) for every scalar, and
    a catalog repeats its keys and values. The safe loaders have no path resolvers, so the tag depends on the
    text and the implicit flags alone."""
    cache: dict[tuple[str, tuple[bool, bool]], str] = {}
    base = loader_class.resolve

    def resolve(self: Any, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is not yaml.ScalarNode:
            return str(base(self, kind, value, implicit))
        key = (value, implicit)
        tag = cache.get(key)
        if tag is None:
            tag = cache[key] = str(base(self, kind, value, implicit))
        return tag

    assert not loader_class.yaml_path_resolvers
    return type(f"Memoized{loader_class.__name__}", (loader_class,), {"resolve": resolve})


if _CLoader is not None:
    _CLoader = _memoized(_CLoader)


def _read_fast(path: Path, text: str) -> Located | None:
    """Parse with libyaml when it is available; None on any YAML problem, so the pure-Python parser (whose
    messages the error fixtures pin) reports it instead. Loading the seed is ~5x faster this way."""
    if _CLoader is None:
        return None
    doc = Located(path=path, data=None)
    loader = _CLoader(text)
    try:
        node = loader.get_single_node()
        doc.lines[()] = 1
        doc.data = None if node is None else _construct(node, (), doc, loader, [MAX_NODES])
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return doc


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def _refuse_irregular(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        link = " (through a link)" if path.is_symlink() else ""
        raise CatalogError(path, 1, "(file)", f"{kind}{link}, not a regular file: refused without reading it")


def read_text(path: Path) -> str:
    """The UTF-8 text of the regular file ``path``; anything else (a FIFO, a device, a socket, a link to one, an
    unreadable or oversized file, bytes that are not UTF-8) is a CatalogError naming the path."""
    try:
        _refuse_irregular(path, os.stat(path).st_mode)  # before opening: opening a FIFO would block
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise CatalogError(path, 1, "(file)", f"cannot read: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as handle:
        _refuse_irregular(path, os.fstat(handle.fileno()).st_mode)  # it may have been swapped since
        try:
            data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CatalogError(path, 1, "(file)", f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise CatalogError(path, 1, "(file)", f"larger than {MAX_FILE_BYTES // 1024} KiB: not a catalog file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CatalogError(path, line, "(file)", f"not UTF-8: byte {data[exc.start]:#04x} ({exc.reason})") from exc


def _check_nesting(path: Path, text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before composing (PyYAML's composer recurses once per level).

    Problems of syntax are left to the parser proper, whose messages are the ones reported. libyaml scans a run
    of flow openers (``[[[[``) to its end before it yields the first event and stops at its own depth limit with
    a YAML error; the pure-Python parser (not recursive, unlike its composer) then counts the levels, so a syntax
    error of libyaml never lets a deep document through to the recursive composer."""
    loaders = [yaml.SafeLoader] if _CLoader is None else [_CLoader, yaml.SafeLoader]
    for loader_class in loaders:
        depth = 0
        try:
            for event in yaml.parse(text, Loader=loader_class):
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_DEPTH:
                        line = event.start_mark.line + 1 if event.start_mark is not None else 1
                        raise CatalogError(path, line, "(yaml)", f"nested deeper than {MAX_DEPTH} levels")
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
        except yaml.YAMLError:
            continue
        return


def read_yaml(path: Path) -> Located:
    """Parse one YAML file (a single document) keeping line numbers; syntax errors become CatalogError."""
    text = read_text(path)
    # libyaml composes within its own nesting limit, and _construct refuses what _check_nesting would: a file that
    # reads fast needs no second parse. Otherwise the nesting check speaks first, as its error is the one reported.
    try:
        fast = _read_fast(path, text)
    except CatalogError:
        _check_nesting(path, text)
        raise
    if fast is not None:
        return fast
    _check_nesting(path, text)
    doc = Located(path=path, data=None)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # the reader rejects control characters before parsing starts
        line = text.count("\n", 0, exc.position) + 1
        message = f"YAML syntax error: unacceptable character #x{exc.character:04x}: {exc.reason}"
        raise CatalogError(path, line, "(yaml)", message) from exc
    try:
        node = loader.get_single_node()
        doc.lines[()] = 1
        doc.data = None if node is None else _construct(node, (), doc, loader, [MAX_NODES])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context:  # e.g. "while parsing a flow mapping on line 12, expected ',' or '}'"
            where = exc.context_mark.line + 1 if exc.context_mark is not None else line
            problem = f"{exc.context}{f' on line {where}' if where != line else ''}, {exc.problem}"
        raise CatalogError(path, line, "(yaml)", f"YAML syntax error: {problem}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(path, 1, "(yaml)", f"YAML error: {exc}") from exc
    finally:
        loader.dispose()
    return doc
