"""The tables of ``hearth check --details``: one constructor, so every section's tables look alike."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from rich.table import Table


def titled_table(title: str, columns: Iterable[str], right: Collection[str] = ()) -> Table:
    """A table titled ``title`` (left-aligned above it) with ``columns``, those in ``right`` right-justified
    (figures)."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        if column in right:
            table.add_column(column, justify="right")
        else:
            table.add_column(column)
    return table
