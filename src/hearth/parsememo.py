"""What a YAML text written in this process parses to, so that an audit in the same process need not parse it again.

``hearth build`` (and ``hearth check`` of a catalog) renders, writes the build and then audits it in one process;
parsing the ~30,000 documents back from disk was most of the audit's time on a large catalog. While
:func:`recording` is active, the packager tells :func:`remember` each YAML text it produced from plain documents
(dicts, lists, strings, numbers, booleans, null) and the documents it dumped. PyYAML's safe dumper round-trips
such data: parsing the text gives those documents back (tests/verify/test_parse_memo.py parses every memoized
file of the seed build for real and compares).

The auditor still reads every file from disk and hashes the bytes it read (``hearth.verify.build.manifests``):
only when that SHA-256 equals the SHA-256 of a text remembered here does it take the documents (:func:`recall`),
so a file edited after the write is parsed as it is. The documents are copied when remembered (nothing the
renderer does afterwards reaches them) and each copy is handed out once, so no check sees another's changes;
a second read of the same text parses it. Nothing is remembered outside :func:`recording`, so ``hearth render``
alone pays nothing.

It lives here, outside ``render`` and ``verify``, because both speak it; it knows nothing of either.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from hearth.buildindex import digest

__all__ = ["recall", "recording", "remember"]

Documents = list[tuple[int, dict[str, Any]]]
"""Each document of a text: the 1-based line of its first node, and the mapping."""

_memo: dict[str, list[Documents]] | None = None


class _NotPlain(Exception):
    """A value the safe loader would not give back as it is (a tuple is written as a list and read as one)."""


def _plain(value: Any) -> Any:
    """A deep copy of ``value`` as the safe loader would construct it from its dump; _NotPlain otherwise."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            out[key] = _plain(item)
        return out
    if kind is list or kind is tuple:
        return [_plain(item) for item in value]
    if kind is float and math.isfinite(value):
        return value
    raise _NotPlain


@contextmanager
def recording() -> Iterator[None]:
    """Remember the texts dumped while the block runs; everything remembered is dropped when it ends."""
    global _memo
    previous, _memo = _memo, {}
    try:
        yield
    finally:
        _memo = previous


def remember(text: str, documents: Iterable[tuple[int, Any]]) -> None:
    """Record that ``text`` parses to ``documents`` (line of each document's first node, document), in order.

    Only while :func:`recording`; a text holding anything but plain mappings (or a carriage return, which reading
    the file as text would translate) is not remembered, and is parsed when read."""
    if _memo is None or "\r" in text:
        return
    try:
        copied: Documents = []
        for line, document in documents:
            if type(document) is not dict:
                raise _NotPlain
            copied.append((line, _plain(document)))
    except _NotPlain:
        return
    _memo.setdefault(digest(text.encode("utf-8")), []).append(copied)


def recall(sha256: str) -> Documents | None:
    """The documents of a remembered text whose UTF-8 bytes have this SHA-256, handed out once; else None."""
    if _memo is None:
        return None
    copies = _memo.get(sha256)
    if not copies:
        return None
    found = copies.pop()
    if not copies:
        del _memo[sha256]
    return found
