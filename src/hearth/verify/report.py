"""``hearth check``: the audits of :data:`AUDITS` over one build directory, as one report.

:func:`run_check` reads the build (:mod:`hearth.verify.build.audit`) and runs, in order, zero trust
(:mod:`~hearth.verify.zero_trust`), compliance, capacity, backups, the document's statements, north-south and
observability. The report is deterministic for a given build: sections and rows are sorted, and nothing depends on
time or the environment. ``failed`` is true when any section but the statements fails; capacity's N-1 findings
and observability's unalerted metrics are warnings, and contradicted statements are findings about the document,
neither fails the check.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.table import Table

from hearth.verify.backups import audit_backups
from hearth.verify.build.audit import load_build
from hearth.verify.build.inputs import check_index, require_inputs
from hearth.verify.build.model import Build
from hearth.verify.capacity import audit_capacity
from hearth.verify.compliance import audit_compliance
from hearth.verify.observability import audit_observability
from hearth.verify.statements import audit_statements
from hearth.verify.zero_trust import audit_zero_trust
from hearth.verify.zero_trust.north_south import audit_north_south

__all__ = ["AUDITS", "SECTIONS", "Audit", "CheckReport", "run_check"]


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


@dataclass(frozen=True)
class Audit:
    """One section of ``hearth check``: its key, its title, how it is measured and when it only warns.

    ``run`` gets the build and the sections measured before it (the statements compare against compliance's and
    capacity's figures); ``warns`` says whether a section that does not fail still deserves a warning; ``reads``
    are the build's files it measures (a trailing ``/`` for a directory), each required before any section runs.
    """

    key: str
    title: str
    run: Callable[[Build, Mapping[str, Any]], Section]
    warns: Callable[[Any], bool] = lambda _section: False
    reads: tuple[str, ...] = ("manifests/",)


# The audits in report order: a new section is one entry here.
AUDITS: tuple[Audit, ...] = (
    Audit("zero_trust", "1. Zero trust", lambda build, _: audit_zero_trust(build), reads=("manifests/", "cluster/")),
    Audit("compliance", "2. Compliance", lambda build, _: audit_compliance(build), reads=("manifests/", "charts/")),
    Audit(
        "capacity",
        "3. Capacity",
        lambda build, _: audit_capacity(build),
        lambda s: bool(s.warnings),
        reads=("manifests/", "cluster/", "helmfile.yaml"),
    ),
    Audit("backups", "4. Backups", lambda build, _: audit_backups(build)),
    Audit(
        "statements",
        "5. Statements",
        lambda build, done: audit_statements(build, done["compliance"], done["capacity"]),
        lambda s: any(statement.holds is False for statement in s.statements),
        reads=("claims.yaml", "helmfile.yaml"),
    ),
    Audit("north_south", "6. North-south", lambda build, _: audit_north_south(build)),
    Audit(
        "observability",
        "7. Observability",
        lambda build, _: audit_observability(build),
        lambda s: bool(s.warnings),
    ),
)
SECTIONS = tuple(audit.key for audit in AUDITS)
TITLES = {audit.key: audit.title for audit in AUDITS}
_AUDIT = {audit.key: audit for audit in AUDITS}


@dataclass
class CheckReport:
    """The sections of ``hearth check`` for one build directory, by key (``report.section("capacity")``)."""

    build_dir: Path
    results: dict[str, Section]
    indexed: bool = False  # held to the index hearth render wrote (False: a build written by hand)

    def section(self, key: str) -> Any:
        """The measured section ``key`` (typed ``Any``: each section has a record type of its own)."""
        return self.results[key]

    def __getattr__(self, key: str) -> Any:
        results = self.__dict__.get("results", {})
        if key in results:
            return results[key]
        raise AttributeError(key)

    def sections(self) -> list[tuple[str, Section]]:
        """``(key, section)`` in report order."""
        return [(key, self.results[key]) for key in SECTIONS]

    @property
    def failed(self) -> bool:
        """True when a check fails (the exit-status rule): zero trust, compliance, capacity or backups."""
        return any(section.failed for _, section in self.sections())

    def status(self, key: str) -> str:
        """``pass``, ``warn`` or ``fail`` for one section."""
        section = self.results[key]
        if section.failed:
            return "fail"
        return "warn" if _AUDIT[key].warns(section) else "pass"

    def to_json(self) -> dict[str, object]:
        """The whole report as JSON-ready data with stable keys."""
        return {
            "build": str(self.build_dir),
            "index": "verified" if self.indexed else "none: written by hand, audited as it is",
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
        if not self.indexed:
            console.print("[yellow]note: no .hearth-index: a build written by hand, audited as it is[/yellow]")
        console.print("[red]check failed[/red]" if self.failed else "[green]check passed[/green]")


def _notes(section: Section) -> list[str]:
    notes = getattr(section, "notes", [])
    warnings = getattr(section, "warnings", [])
    return [*warnings, *notes] if isinstance(notes, list) and isinstance(warnings, list) else []


def run_check(build_dir: Path) -> CheckReport:
    """Audit ``build_dir`` (what ``hearth render --out`` wrote). Raises ``ValueError``, one line per problem, when
    it is not a build, does not match its index, or a file a section reads is missing or unreadable."""
    root = Path(build_dir)
    held = check_index(root) if (root / "manifests").is_dir() else False
    build = load_build(root)
    require_inputs(root, ((audit.title, rel) for audit in AUDITS for rel in audit.reads))
    results: dict[str, Section] = {}
    for audit in AUDITS:
        results[audit.key] = audit.run(build, results)
    return CheckReport(build_dir=root, results=results, indexed=held)
