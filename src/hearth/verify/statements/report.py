"""The statements section's records: one :class:`Statement` per claim of the document, and the section."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from rich.table import Table

from hearth.verify.tables import titled_table

__all__ = ["Statement", "Statements"]


@dataclass
class Statement:
    """One statement of the document: what it claims, what was computed, whether it holds."""

    kind: str
    key: str
    claim: str
    stated: str
    computed: str
    holds: bool | None
    detail: str = ""
    items: list[dict[str, object]] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """``holds``, ``contradicted`` or ``not computed``."""
        return "not computed" if self.holds is None else ("holds" if self.holds else "contradicted")

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "kind": self.kind,
            "key": self.key,
            "claim": self.claim,
            "stated": self.stated,
            "computed": self.computed,
            "verdict": self.verdict,
            "detail": self.detail,
            "items": self.items,
        }


@dataclass
class Statements:
    """Section 5 of ``hearth check``: never a failure."""

    statements: list[Statement]
    notes: list[str]

    failed = False

    def summary(self) -> str:
        """One line."""
        counts = {
            v: sum(1 for s in self.statements if s.verdict == v) for v in ("holds", "contradicted", "not computed")
        }
        return f"{len(self.statements)} statements: {counts['holds']} hold, {counts['contradicted']} contradicted" + (
            f", {counts['not computed']} not computed" if counts["not computed"] else ""
        )

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "status": "pass",
            "summary": self.summary(),
            "statements": [s.to_json() for s in self.statements],
            "notes": self.notes,
        }

    def tables(self) -> Iterator[Table]:
        """One row per statement."""
        table = titled_table(
            "Statements of the document (claims.yaml) against the build",
            ("Statement", "Stated", "Computed", "Verdict", "Detail"),
        )
        marks = {"holds": "[green]holds[/green]", "contradicted": "[yellow]contradicted[/yellow]", "not computed": "-"}
        for item in self.statements:
            table.add_row(item.claim, item.stated, item.computed, marks[item.verdict], item.detail)
        yield table
