"""``hearth check``: the five audits over one build directory, as one report.

:func:`run_check` reads the build (:mod:`hearth.verify.audit`) and runs, in order, zero trust
(:mod:`~hearth.verify.intent`), compliance, capacity, backups and the document's statements. The report is
deterministic for a given build: sections and rows are sorted, and nothing depends on time or the environment.
``failed`` is true when zero trust, compliance, capacity or backups fail; capacity's N-1 findings are warnings
and contradicted statements are findings about the document, neither fails the check.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.table import Table

from hearth.verify.audit import load_build
from hearth.verify.backups import Backups, audit_backups
from hearth.verify.capacity import Capacity, audit_capacity
from hearth.verify.compliance import Compliance, audit_compliance
from hearth.verify.intent import ZeroTrust, audit_zero_trust
from hearth.verify.north_south import NorthSouth, audit_north_south
from hearth.verify.statements import Statements, audit_statements

__all__ = ["SECTIONS", "CheckReport", "run_check"]

SECTIONS = ("zero_trust", "compliance", "capacity", "backups", "statements", "north_south")
TITLES = {
    "zero_trust": "1. Zero trust",
    "compliance": "2. Compliance",
    "capacity": "3. Capacity",
    "backups": "4. Backups",
    "statements": "5. Statements",
    "north_south": "6. North-south",
}


class Section(Protocol):
    """What every section offers the report."""

    @property
    def failed(self) -> bool:
        """Does this section fail the check?"""
        ...  # pragma: no cover

    def summary(self) -> str:
        """One line."""
        ...  # pragma: no cover

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        ...  # pragma: no cover

    def tables(self) -> Iterator[Table]:
        """Rich tables."""
        ...  # pragma: no cover


@dataclass
class CheckReport:
    """The five sections of ``hearth check`` for one build directory."""

    build_dir: Path
    zero_trust: ZeroTrust
    compliance: Compliance
    capacity: Capacity
    backups: Backups
    statements: Statements
    north_south: NorthSouth

    def sections(self) -> list[tuple[str, Section]]:
        """``(key, section)`` in report order."""
        return [(key, getattr(self, key)) for key in SECTIONS]

    @property
    def failed(self) -> bool:
        """True when a check fails (the exit-status rule): zero trust, compliance, capacity or backups."""
        return any(section.failed for _, section in self.sections())

    def status(self, key: str) -> str:
        """``pass``, ``warn`` or ``fail`` for one section."""
        section = getattr(self, key)
        if section.failed:
            return "fail"
        if key == "capacity" and self.capacity.warnings:
            return "warn"
        if key == "statements" and any(s.holds is False for s in self.statements.statements):
            return "warn"
        return "pass"

    def to_json(self) -> dict[str, object]:
        """The whole report as JSON-ready data with stable keys."""
        return {
            "build": str(self.build_dir),
            "failed": self.failed,
            "sections": {key: {**section.to_json(), "status": self.status(key)} for key, section in self.sections()},
        }

    def dumps(self) -> str:
        """:meth:`to_json` as indented JSON text."""
        return json.dumps(self.to_json(), indent=2, sort_keys=False)

    def summary_table(self) -> Table:
        """One row per section: verdict and one line."""
        table = Table(title=f"hearth check {self.build_dir}", title_justify="left")
        table.add_column("Section")
        table.add_column("Verdict")
        table.add_column("Summary")
        marks = {"pass": "[green]pass[/green]", "warn": "[yellow]warn[/yellow]", "fail": "[red]FAIL[/red]"}
        for key, section in self.sections():
            table.add_row(TITLES[key], marks[self.status(key)], section.summary())
        return table

    def render(self, console: Console) -> None:
        """Print every section's tables, then the summary table and the notes."""
        for key, section in self.sections():
            console.rule(f"{TITLES[key]}: {section.summary()}")
            for table in section.tables():
                console.print(table)
            for note in _notes(section):
                console.print(f"[dim]note: {note}[/dim]")
        console.print(self.summary_table())
        console.print("[red]check failed[/red]" if self.failed else "[green]check passed[/green]")


def _notes(section: Section) -> list[str]:
    notes = getattr(section, "notes", [])
    warnings = getattr(section, "warnings", [])
    return [*warnings, *notes] if isinstance(notes, list) and isinstance(warnings, list) else []


def run_check(build_dir: Path) -> CheckReport:
    """Audit ``build_dir`` (what ``hearth render --out`` wrote). Raises ``ValueError`` with one line if unreadable."""
    build = load_build(build_dir)
    compliance = audit_compliance(build)
    capacity = audit_capacity(build)
    return CheckReport(
        build_dir=Path(build_dir),
        zero_trust=audit_zero_trust(build),
        compliance=compliance,
        capacity=capacity,
        backups=audit_backups(build),
        statements=audit_statements(build, compliance, capacity),
        north_south=audit_north_south(build),
    )
