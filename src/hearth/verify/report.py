"""``hearth check``: the audits of :data:`AUDITS` over one build directory, as one report.

:func:`run_check` reads the build (:mod:`hearth.verify.build.audit`) and runs, in order, zero trust
(:mod:`~hearth.verify.zero_trust`), compliance, capacity, backups, the document's statements, north-south and
observability. The report is deterministic for a given build: sections and rows are sorted, and nothing depends on
time or the environment. ``failed`` is true when any section but the statements fails; capacity's N-1 findings
and observability's unalerted metrics are warnings, and contradicted statements are findings about the document,
neither fails the check.

Kept whole: the registry of sections (:data:`AUDITS`), the ``Section`` protocol each section's result follows and
the :class:`CheckReport` that runs, judges and prints them are one contract (a new section is one ``Audit`` entry
here), so a reader sees what a section must provide beside what is done with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hearth.verify.backups import audit_backups
from hearth.verify.build.audit import load_build
from hearth.verify.build.files import BuildFiles
from hearth.verify.build.inputs import check_index, require_inputs
from hearth.verify.build.model import Build
from hearth.verify.capacity import audit_capacity, capacity_findings
from hearth.verify.capacity.whatif import NodeShape, apply_shapes
from hearth.verify.compliance import audit_compliance
from hearth.verify.findings import (
    FAIL,
    Finding,
    backups_findings,
    compliance_findings,
    north_south_findings,
    observability_findings,
    statements_findings,
    zero_trust_findings,
)
from hearth.verify.observability import audit_observability
from hearth.verify.secrets import audit_secrets
from hearth.verify.secrets.report import secrets_findings
from hearth.verify.statements import audit_statements
from hearth.verify.tables import titled_table
from hearth.verify.zero_trust import audit_zero_trust
from hearth.verify.zero_trust.north_south import audit_north_south, outside_peers

__all__ = ["AUDITS", "SECTIONS", "Audit", "CheckReport", "Finding", "run_check"]


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
    are the build's files it measures (a trailing ``/`` for a directory), each required before any section runs;
    ``findings`` reads what fails or warns off the measured section, each with its fix
    (:mod:`hearth.verify.findings`).
    """

    key: str
    title: str
    run: Callable[[Build, Mapping[str, Any]], Section]
    warns: Callable[[Any], bool] = lambda _section: False
    reads: tuple[str, ...] = ("manifests/",)
    findings: Callable[[Any], list[Finding]] = lambda _section: []


# The audits in report order: a new section is one entry here.
AUDITS: tuple[Audit, ...] = (
    Audit(
        "zero_trust",
        "1. Zero trust",
        lambda build, _: audit_zero_trust(build),
        reads=("manifests/", "cluster/"),
        findings=zero_trust_findings,
    ),
    Audit(
        "compliance",
        "2. Compliance",
        lambda build, _: audit_compliance(build),
        reads=("manifests/", "charts/"),
        findings=compliance_findings,
    ),
    Audit(
        "capacity",
        "3. Capacity",
        lambda build, _: audit_capacity(build),
        lambda s: bool(s.warnings),
        reads=("manifests/", "cluster/", "helmfile.yaml"),
        findings=capacity_findings,
    ),
    Audit("backups", "4. Backups", lambda build, _: audit_backups(build), findings=backups_findings),
    Audit(
        "statements",
        "5. Statements",
        lambda build, done: audit_statements(build, done["compliance"], done["capacity"]),
        lambda s: any(statement.holds is False for statement in s.statements),
        reads=("claims.yaml", "helmfile.yaml"),
        findings=statements_findings,
    ),
    Audit("north_south", "6. North-south", lambda build, _: audit_north_south(build), findings=north_south_findings),
    Audit(
        "observability",
        "7. Observability",
        lambda build, _: audit_observability(build),
        lambda s: bool(s.warnings),
        findings=observability_findings,
    ),
    Audit(
        "secrets",
        "8. Secrets",
        lambda build, _: audit_secrets(build),
        lambda s: bool(s.notes),
        findings=secrets_findings,
    ),
)
SECTIONS = tuple(audit.key for audit in AUDITS)
TITLES = {audit.key: audit.title for audit in AUDITS}
_AUDIT = {audit.key: audit for audit in AUDITS}


@dataclass
class CheckReport:
    """The sections of ``hearth check`` for one build directory, by key (``report.section("capacity")``).

    ``source`` names what was audited in every output (the build directory, or the catalog when the build was
    rendered to a temporary directory that is gone when the report is read); ``nodes`` is the ``--nodes`` what-if
    the sections were measured on, when one was given.
    """

    build_dir: Path
    results: dict[str, Section]
    indexed: bool = False  # held to the index hearth render wrote (False: a build written by hand)
    source: str = ""
    nodes: Sequence[NodeShape] = field(default_factory=tuple)

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

    @property
    def shown(self) -> str:
        """What the report names as audited: ``source``, else the build directory."""
        return self.source or str(self.build_dir)

    def status(self, key: str) -> str:
        """``pass``, ``warn`` or ``fail`` for one section."""
        section = self.results[key]
        if section.failed:
            return "fail"
        return "warn" if _AUDIT[key].warns(section) else "pass"

    def findings(self) -> list[Finding]:
        """What fails or warns, section by section in report order, failures first within a section."""
        out = []
        for key, section in self.sections():
            found = _AUDIT[key].findings(section)
            out += [f for f in found if f.level == FAIL] + [f for f in found if f.level != FAIL]
        return out

    def verdict(self) -> str:
        """One line: passed or failed, and which sections fail and warn."""
        failing = [TITLES[k] for k, _ in self.sections() if self.status(k) == "fail"]
        warning = [TITLES[k] for k, _ in self.sections() if self.status(k) == "warn"]
        parts = [f"fail: {', '.join(failing)}"] if failing else []
        parts += [f"warn: {', '.join(warning)}"] if warning else []
        head = "check failed" if self.failed else "check passed"
        return head + (f" ({'; '.join(parts)})" if parts else "")

    def to_json(self) -> dict[str, object]:
        """The whole report as JSON-ready data with stable keys."""
        return {
            "build": self.shown,
            "index": "verified" if self.indexed else "none: written by hand, audited as it is",
            "nodes": ",".join(shape.spec() for shape in self.nodes) or None,
            "failed": self.failed,
            "verdict": self.verdict(),
            "findings": [f.to_json() for f in self.findings()],
            "sections": {key: {**section.to_json(), "status": self.status(key)} for key, section in self.sections()},
        }

    def dumps(self) -> str:
        """:meth:`to_json` as indented JSON text."""
        return json.dumps(self.to_json(), indent=2, sort_keys=False)

    def summary_table(self) -> Table:
        """One row per section: verdict and one line."""
        table = titled_table(
            f"hearth check: {self.shown}",
            (
                "Section",
                "Verdict",
                "Summary",
            ),
        )
        marks = {"pass": "[green]pass[/green]", "warn": "[yellow]warn[/yellow]", "fail": "[red]FAIL[/red]"}
        for key, section in self.sections():
            table.add_row(TITLES[key], marks[self.status(key)], section.summary())
        return table

    def _head(self, console: Console) -> None:
        colour = "red" if self.failed else "green"
        console.print(f"[{colour}]{escape(self.verdict())}[/{colour}]")
        if self.nodes:
            what_if = ",".join(shape.spec() for shape in self.nodes)
            console.print(f"[yellow]what-if: measured on --nodes {escape(what_if)}, not the build's nodes[/yellow]")
        if not self.indexed:
            console.print("[yellow]note: no .hearth-index: a build written by hand, audited as it is[/yellow]")

    def render(self, console: Console) -> None:
        """The verdict and its table first, then only what fails or warns, each finding with its fix."""
        self._head(console)
        console.print(self.summary_table())
        findings = self.findings()
        marks = {"fail": "[red]FAIL[/red]", "warn": "[yellow]warn[/yellow]"}
        for finding in findings:
            title = TITLES[finding.section].split(" ", 1)[-1]
            console.print(
                f"{marks[finding.level]} {escape(title)}: [bold]{escape(finding.subject)}[/bold]: "
                f"{escape(finding.problem)}"
            )
            console.print(f"     [cyan]fix:[/cyan] {escape(finding.fix)}")
        tail = f"{len(findings)} findings" if findings else "nothing fails or warns"
        console.print(f"[dim]{tail}; hearth check --details prints every table[/dim]")

    def render_details(self, console: Console) -> None:
        """The verdict first, then every section's tables and notes, then the summary table."""
        self._head(console)
        for key, section in self.sections():
            console.rule(f"{TITLES[key]}: {section.summary()}")
            for table in section.tables():
                console.print(table)
            for note in _notes(section):
                console.print(f"[dim]note: {escape(note)}[/dim]")
        console.print(self.summary_table())
        console.print("[red]check failed[/red]" if self.failed else "[green]check passed[/green]")


def _notes(section: Section) -> list[str]:
    notes = getattr(section, "notes", [])
    warnings = getattr(section, "warnings", [])
    return [*warnings, *notes] if isinstance(notes, list) and isinstance(warnings, list) else []


def run_check(build_dir: Path, nodes: Sequence[NodeShape] = ()) -> CheckReport:
    """Audit ``build_dir`` (what ``hearth render --out`` wrote). Raises ``ValueError``, one line per problem, when
    it is not a build, does not match its index, or a file a section reads is missing or unreadable.

    With ``nodes`` (a ``--nodes`` what-if, :mod:`hearth.verify.capacity.whatif`) every section is measured on
    those Nodes instead of ``cluster/nodes.yaml``'s; no file changes.
    """
    root = Path(build_dir)
    files = BuildFiles.read(root) if (root / "manifests").is_dir() else None
    held = check_index(root, files) if files is not None else False
    build = load_build(root, files)
    require_inputs(root, ((audit.title, rel) for audit in AUDITS for rel in audit.reads))
    if nodes:
        build = replace(build, nodes=apply_shapes(build.nodes, nodes))
    # zero trust, north-south and observability probe the same documents: one reachability matrix serves them
    build.plan_reach([*build.control_plane_ips, *outside_peers(build)])
    results: dict[str, Section] = {}
    for audit in AUDITS:
        results[audit.key] = audit.run(build, results)
    return CheckReport(build_dir=root, results=results, indexed=held, nodes=tuple(nodes))
