"""A direct YAML writer for plain data, byte for byte what ``dump_yaml``'s PyYAML dumper writes.

``yaml.dump`` builds a node per value, then libyaml asks back into Python, twice per scalar, for its implicit tag:
on a large catalog that was half of render's time. The build's documents are plain dicts, lists, strings,
integers, booleans and None written in block style, keys in build order, no aliases, no folding; for those the
layout is fixed (a mapping's values two spaces in, a sequence under a key at the key's own indentation, ``- `` on
the line of a first key or item, ``{}`` and ``[]`` for empty collections), and only a scalar's own text needs
deciding. That text is decided once per distinct string:

- a string that is printable ASCII, starts with a character that is no YAML indicator, holds no ``: `` or ``' #'``
  and no leading or trailing space, and that the resolver reads back as a string (not ``yes``, ``0755``, ``~``,
  ``1e3``) is written plain, as the emitter's own analysis would allow it;
- any other string is written as the reference dumper writes it in the same place (it is asked, once, to dump a
  one-entry mapping holding it), and a multi-line literal block is re-indented to where it stands;
- anything the writer cannot place for sure (another type, a float key, a key too long to be a simple key, a
  literal block whose chomping makes the document open-ended, a string with line separators other than ``\\n``)
  makes the whole document go the reference dumper's way.

So every document is written either the reference's way, or in a way checked against the reference for each
scalar text it holds; tests/packaging/test_packaging_emit.py compares the two over the seed's build and over
generated data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

__all__ = ["PlainEmitter"]

_STR = "tag:yaml.org,2002:str"

# Plain scalars YAML 1.1 readers (go-yaml v2, used by Helm and kubectl) take for booleans; HearthDumper quotes them.
_GO_YAML_BOOLS = frozenset({"y", "Y", "n", "N"})

# Printable ASCII whose first character is no indicator (``-`` only when something other than a space follows).
# What it lets through still has to pass the checks in ``_plain``: no ``: `` or `` #`` inside, no trailing space
# or colon, no ``---``/``...`` start, and a string tag from the resolver.
_PLAIN_SHAPE = re.compile(r"(?:[A-Za-z0-9_./=+;<()~^$\\]|-[!-~])[ -~]*")

# Line breaks YAML knows besides "\n": a block holding one would be laid out other than by its "\n"s.
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")
_BREAKS = re.compile("[\n\r\x85\u2028\u2029]")
# The start of a line that is not empty (``.`` matches no "\n"; the other breaks are refused before).
_LINE_START = re.compile(r"^(?=.)", re.M)
# A line of the reference's block that is neither empty nor indented by two.
_UNINDENTED = re.compile(r"^(?!  )(?=.)", re.M)

_RESOLVE: Callable[..., Any] = yaml.resolver.Resolver().resolve

# A simple key is at most 128 characters (libyaml's and PyYAML's emitters write a longer one as ``? key``).
_SIMPLE_KEY = 128


class Unhandled(Exception):
    """The document holds something this writer does not place for sure: the reference dumper writes it."""


class _Literal:
    """A literal block scalar as the reference writes it as the value of a top-level key: its header (``|``,
    ``|-``, ``|2`` ...) and its lines, indented by two; re-indented for a deeper place on demand."""

    __slots__ = ("_by_indent", "header")

    def __init__(self, header: str, body: str) -> None:
        self.header = header
        self._by_indent: dict[int, str] = {0: body}

    def body(self, indent: int) -> str:
        """The block's lines for a scalar in a collection indented by ``indent``: empty lines stay empty."""
        text = self._by_indent.get(indent)
        if text is None:
            text = self._by_indent[indent] = _LINE_START.sub(" " * indent, self._by_indent[0])
        return text


class PlainEmitter:
    """Writes plain data as ``reference`` (a block-style, unsorted, never-folding, alias-free ``yaml.dump``) does.

    ``reference(data)`` must be that dump: it writes whatever this writer does not handle, and is asked once per
    distinct scalar text this writer cannot decide alone."""

    def __init__(self, reference: Callable[[Any], str]) -> None:
        self.reference = reference
        self._values: dict[str, str | _Literal | None] = {}
        self._keys: dict[str, str | None] = {}
        self._floats: dict[str, str | None] = {}

    def dump(self, data: Any) -> str:
        """``reference(data)``, written directly when every part of ``data`` is plain."""
        text = self.emit(data)
        return self.reference(data) if text is None else text

    def emit(self, data: Any) -> str | None:
        """The text of ``data`` when this writer handles all of it, else None."""
        kind = type(data)
        out: list[str] = []
        try:
            if kind is dict:
                if not data:
                    return "{}\n"
                self._mapping(data, 0, "", out)
            elif kind is list or kind is tuple:
                if not data:
                    return "[]\n"
                self._sequence(data, 0, "", out)
            else:
                return None
        except (Unhandled, RecursionError, ValueError):
            return None
        return "".join(out)

    # ----------------------------------------------------------------------------------------------- layout

    def _mapping(self, data: dict[Any, Any], indent: int, lead: str, out: list[str]) -> None:
        pad = " " * indent
        values = self._values
        first = True
        for key, value in data.items():
            line = (lead if first else pad) + self._key(key) + ":"
            first = False
            kind = type(value)
            if kind is str:
                text = values.get(value, False)
                if text is False:
                    text = self._value(value)
                if type(text) is str:
                    out.append(f"{line} {text}\n")
                elif text is None:
                    raise Unhandled(value)
                else:
                    out.append(f"{line} {text.header}\n{text.body(indent)}")  # type: ignore[union-attr]
            elif kind is dict:
                if value:
                    out.append(line + "\n")
                    self._mapping(value, indent + 2, pad + "  ", out)
                else:
                    out.append(line + " {}\n")
            elif kind is list or kind is tuple:
                if value:
                    out.append(line + "\n")
                    self._sequence(value, indent, pad, out)
                else:
                    out.append(line + " []\n")
            else:
                out.append(f"{line} {self._scalar(value)}\n")

    def _sequence(self, data: list[Any] | tuple[Any, ...], indent: int, lead: str, out: list[str]) -> None:
        pad = " " * indent
        values = self._values
        first = True
        for item in data:
            prefix = (lead if first else pad) + "- "
            first = False
            kind = type(item)
            if kind is str:
                text = values.get(item, False)
                if text is False:
                    text = self._value(item)
                if type(text) is str:
                    out.append(f"{prefix}{text}\n")
                elif text is None:
                    raise Unhandled(item)
                else:
                    out.append(f"{prefix}{text.header}\n{text.body(indent)}")  # type: ignore[union-attr]
            elif kind is dict:
                if item:
                    self._mapping(item, indent + 2, prefix, out)
                else:
                    out.append(prefix + "{}\n")
            elif kind is list or kind is tuple:
                if item:
                    self._sequence(item, indent + 2, prefix, out)
                else:
                    out.append(prefix + "[]\n")
            else:
                out.append(f"{prefix}{self._scalar(item)}\n")

    # ---------------------------------------------------------------------------------------------- scalars

    def _scalar(self, value: Any) -> str:
        """A non-string scalar's text (plain: each resolves back to its own tag)."""
        kind = type(value)
        if value is None:
            return "null"
        if kind is bool:
            return "true" if value else "false"
        if kind is int:
            return str(value)
        if kind is float:
            return self._float(value)
        raise Unhandled(value)

    def _float(self, value: float) -> str:
        name = repr(value)  # -0.0 and 0.0 are equal keys, but are written apart
        text = self._floats.get(name, False)
        if text is False:
            text = self._floats[name] = _single_line(self.reference({"k": value}), "k: ")
        if text is None:
            raise Unhandled(value)
        return text  # type: ignore[return-value]

    def _value(self, value: str) -> str | _Literal | None:
        """A string's text as a mapping value or sequence item (a _Literal for a literal block), or None when
        the writer cannot place it; remembered."""
        text: str | _Literal | None
        if "\n" not in value and _plain(value):
            text = value
        else:
            written = self.reference({"k": value})
            if written.startswith("k: |") and "\n" in value:
                text = _literal(written, value)
            else:
                text = _single_line(written, "k: ")
        self._values[value] = text
        return text

    def _key(self, key: Any) -> str:
        kind = type(key)
        if kind is str:
            text = self._keys.get(key, False)
            if text is False:
                text = self._keys[key] = self._string_key(key)
            if text is None:
                raise Unhandled(key)
            return text  # type: ignore[return-value]
        if kind is int:
            text = str(key)
            if len(text) > _SIMPLE_KEY:
                raise Unhandled(key)
            return text
        if key is None or kind is bool:
            return self._scalar(key)
        raise Unhandled(key)

    def _string_key(self, key: str) -> str | None:
        if len(key.encode("utf-8")) > _SIMPLE_KEY or "\n" in key:
            return None
        if _plain(key):
            return key
        written = self.reference({key: None})
        if not written.endswith(": null\n") or written.startswith("?"):
            return None
        text = written[: -len(": null\n")]
        return None if _breaks(text) else text


def _plain(value: str) -> bool:
    """True when the emitter writes ``value`` plain, by rules narrower than its own (see the module's doc)."""
    return (
        _PLAIN_SHAPE.fullmatch(value) is not None
        and ": " not in value
        and " #" not in value
        and value[-1] not in " :"
        and not value.startswith(("---", "..."))
        and value not in _GO_YAML_BOOLS
        and _RESOLVE(yaml.ScalarNode, value, (True, False)) == _STR
    )


def _breaks(text: str) -> bool:
    return _BREAKS.search(text) is not None


def _single_line(written: str, start: str) -> str | None:
    """The scalar's text from the reference's one-line document ``start`` + text + newline; None otherwise."""
    if not written.startswith(start) or not written.endswith("\n"):
        return None
    text = written[len(start) : -1]
    return None if not text or _breaks(text) else text


def _literal(written: str, value: str) -> _Literal | None:
    """The literal block the reference wrote as ``k: |...``; None when it would not re-indent line for line."""
    header, newline, body = written[len("k: ") :].partition("\n")
    if not newline or "+" in header or _OTHER_BREAKS.search(value) or _UNINDENTED.search(body):
        return None
    return _Literal(header, body)
