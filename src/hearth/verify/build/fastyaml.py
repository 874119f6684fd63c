"""A fast path for the build's YAML: libyaml's events turned into Python data directly, for the plain documents
``hearth render`` writes (maps, lists, strings, integers, floats, booleans, null), and nothing else.

PyYAML's safe loader spends most of a large build's load in Python even over libyaml's C parser: a composed node
per value, a resolver call per scalar and a constructor call per node. Here the C parser's events are built into
dicts and lists by one loop, and a plain scalar's value is resolved and constructed once per distinct text (by the
loader's own resolver and constructors, so ``yes``, ``on``, ``0o17``, ``1_000`` or ``.inf`` mean what they mean
there), about three times faster.

It answers only what it can answer exactly as the loader would: at the first anchor, alias, explicit tag, merge key
(``<<``), key that is not a string, key seen twice in one mapping, scalar resolved to anything but a string, an
integer, a float, a boolean or null (a timestamp, ``=``), nesting deeper than :data:`MAX_DEPTH`, or any YAML error,
it gives up (``None``) and the caller parses the text with the loader itself, which gives the data, or the error
with its file and line, that it always gave. tests/verify/test_fast_yaml.py holds the two to the same answers.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

__all__ = ["MAX_DEPTH", "plain_documents"]

MAX_DEPTH = 500
"""Deeper nesting is left to the loader (whatever it does with it, this path does the same by not answering)."""

_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = frozenset(
    {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}
)
_CACHE_LIMIT = 1 << 16


class _GiveUp(Exception):
    """The text holds something only the loader answers exactly."""


_UNANSWERED = object()


class _Scalars:
    """What a plain (unquoted, untagged) scalar's text constructs to under ``loader``, remembered per text."""

    def __init__(self, loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]) -> None:
        self.helper = loader("")
        self.constructors = loader.yaml_constructors
        self.resolvers = loader.yaml_implicit_resolvers
        # this path resolves each scalar by its text alone: no path resolvers and no wildcard resolver
        self.usable = not loader.yaml_path_resolvers and None not in self.resolvers
        self.known: dict[str, tuple[Any]] = {}

    def construct(self, text: str) -> Any:
        """The value of the plain scalar ``text``, or _UNANSWERED when it is not a plain value."""
        known = self.known.get(text)
        if known is None:
            if len(self.known) >= _CACHE_LIMIT:
                self.known.clear()
            known = self.known[text] = (self._construct(text),)
        return known[0]

    def _construct(self, text: str) -> Any:
        tag = self.helper.resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        if tag == _STR:
            return text
        if tag not in _PLAIN_TAGS:
            return _UNANSWERED
        return self.constructors[tag](self.helper, ScalarNode(tag, text))


_scalars: dict[type, _Scalars] = {}


def plain_documents(text: str, loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]) -> list[tuple[int, Any]] | None:
    """Each document of ``text`` (the 1-based line of its first node, its data) as ``loader`` constructs it, or
    None when this path cannot tell (see the module docstring): then only the loader can. Needs libyaml."""
    if not yaml.__with_libyaml__:
        return None
    scalars = _scalars.get(loader)
    if scalars is None:
        scalars = _scalars[loader] = _Scalars(loader)
    if not scalars.usable:
        return None
    parser = yaml.cyaml.CParser(text)  # type: ignore[attr-defined]
    try:
        return _documents(parser, scalars)
    except (_GiveUp, yaml.YAMLError):
        return None
    finally:
        parser.dispose()


def _documents(parser: Any, scalars: _Scalars) -> list[tuple[int, Any]]:
    """The loop: one pass over the events, the open collections on a stack."""
    get = parser.get_event
    resolvable = scalars.resolvers
    construct = scalars.construct
    unanswered = _UNANSWERED
    no_key = _UNANSWERED
    documents: list[tuple[int, Any]] = []
    stack: list[tuple[Any, Any]] = []  # (enclosing collection, its pending key) of each open collection
    top: Any = None  # the innermost open collection (None: at document level)
    key: Any = no_key  # the pending key when ``top`` is a mapping
    line = 0
    get()  # StreamStartEvent
    while True:
        event = get()
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _GiveUp
            value = event.value
            if event.implicit[0] and value[:1] in resolvable:
                value = construct(value)
                if value is unanswered:
                    raise _GiveUp
            if top is None:
                line = event.start_mark.line + 1
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH:
                raise _GiveUp
            if top is None:
                line = event.start_mark.line + 1
            stack.append((top, key))
            top, key = ({} if kind is MappingStartEvent else []), no_key
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            value = top
            top, key = stack.pop()
            if top is not None and type(top) is dict and key is no_key:
                raise _GiveUp  # a mapping or a list as a key
        elif kind is DocumentStartEvent or kind is DocumentEndEvent:
            continue
        elif kind is StreamEndEvent:
            return documents
        else:  # an alias
            raise _GiveUp
        if top is None:
            documents.append((line, value))
        elif type(top) is list:
            top.append(value)
        elif key is no_key:
            if type(value) is not str or value in top:
                raise _GiveUp  # a key that is not a string, or one seen twice (the loader refuses it)
            key = value
        else:
            top[key] = value
            key = no_key
