"""Markdown building blocks: tables, verdict marks, sizes, anchors; shared by the document's sections."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from hearth.quantity import format_bytes

__all__ = ["MARKS", "anchor", "cell", "exact", "gib", "mark", "percent", "table"]

# How a computed verdict reads in the document; the page colours the same words.
MARKS = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail", "holds": "✅ holds", "contradicted": "❌ contradicted"}


def mark(verdict: str) -> str:
    """The mark of a computed verdict (``pass``, ``warn``, ``fail``, ``holds``, ``contradicted``, else as is)."""
    return MARKS.get(verdict, verdict)


def cell(value: object) -> str:
    """One table cell: pipes escaped, newlines folded, empty as ``-``."""
    text = str(value).replace("|", "\\|").replace("\n", " ").strip()
    return text or "-"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table, followed by a blank line."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return [*lines, ""]


def gib(value: int) -> str:
    """Bytes as the report writes them (``16.0Gi``)."""
    return format_bytes(value)


def exact(value: int) -> str:
    """Bytes in whole GiB when they are (``1567Gi (1.5Ti)``), so a total shows a change of one claim."""
    if value and value % 2**30 == 0 and value >= 2**40:
        return f"{value // 2**30}Gi ({format_bytes(value)})"
    return format_bytes(value)


def percent(part: float, whole: float) -> str:
    """``part`` of ``whole`` in percent with one decimal (``-`` when ``whole`` is zero)."""
    return f"{100 * part / whole:.1f}%" if whole else "-"


def anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")
