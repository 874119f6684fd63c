"""``hearth doctor``: every check of ``hearth.doctor.checks`` over a loaded catalog, as text or JSON, and the exit
status (1 when a finding blocks its stage)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import typer

from hearth.catalog.models import Catalog
from hearth.commands.render import render_files
from hearth.commands.terminal import Voice, load, user_errors
from hearth.doctor import checks
from hearth.doctor.facts import TOOLS

STAGES = ("render", "deploy", "provision", "bootstrap", "online", "catalog")


@dataclass(frozen=True)
class DoctorOptions:
    """What the operator gave: go online, the kubeconfig and context deploy uses, the Vault address."""

    online: bool = False
    kubeconfig: str | None = None
    context: str | None = None
    vault_addr: str | None = None


def _silent(_: str) -> None:
    return None


def diagnose(
    catalog: Catalog, options: DoctorOptions, progress: Callable[[str], None] = _silent
) -> list[checks.Finding]:
    """Every finding, by stage: prerequisites, reachability, deprecations, version skew and freshness."""
    progress("tools, kubeconfig and Vault")
    found = [checks.Finding("render", "render and check", "ok", "need nothing but hearth itself")]
    found += [checks.tool_finding(tool) for tool in TOOLS]
    found += checks.kubeconfig_findings(options.kubeconfig, options.context)
    found.append(checks.vault_finding(options.vault_addr))
    progress("chart repositories and registries" + ("" if options.online else " (offline: not reached)"))
    found += checks.online_findings(catalog, options.online)
    progress("deprecations, then the render for kubeVersion skew")
    found += checks.deprecation_findings(catalog)
    files = render_files(catalog).files
    charts = {path: text for path, text in files.items() if path.startswith("charts/") and path.endswith("/Chart.yaml")}
    found += checks.skew_findings(catalog, charts, options.online)
    found += checks.freshness_findings(catalog)
    return sorted(found, key=lambda f: STAGES.index(f.stage))


def exit_status(findings: list[checks.Finding]) -> int:
    """1 when a finding blocks its stage, else 0."""
    return 1 if any(f.verdict == checks.BLOCKING for f in findings) else 0


def report_text(findings: list[checks.Finding], blocking_only: bool = False) -> str:
    """Findings grouped by stage, one line each (with ``blocking_only``, those that block), then what was not
    checked and a verdict line."""
    lines: list[str] = []
    for stage in STAGES:
        rows = [f for f in findings if f.stage == stage and (f.verdict == checks.BLOCKING or not blocking_only)]
        if rows:
            lines.append(f"{stage}:")
            lines += [f"  {f.verdict:>7}  {f.check}: {f.detail}" for f in rows]
    skipped = sum(1 for f in findings if f.verdict == "skipped")
    blocked = sorted({f.stage for f in findings if f.verdict == checks.BLOCKING})
    warned = sum(1 for f in findings if f.verdict == "warn")
    verdict = f"blocked: {', '.join(blocked)}" if blocked else "nothing blocks"
    lines.append(f"doctor: {verdict}; {warned} warnings, {skipped} not checked (each says why)")
    return "\n".join(lines) + "\n"


def report_json(findings: list[checks.Finding]) -> str:
    """The findings and the verdict as JSON."""
    blocked = sorted({f.stage for f in findings if f.verdict == checks.BLOCKING})
    data = {"blocked_stages": blocked, "findings": [f.as_dict() for f in findings]}
    return json.dumps(data, indent=2) + "\n"


def doctor_command(platform: Path | None, options: DoctorOptions, voice: Voice, *, json_output: bool) -> None:
    """``hearth doctor``: print the findings as text or JSON (with --quiet, the blocking ones and the verdict);
    exit 1 when one blocks a stage."""
    voice.stage("load: catalog")
    catalog = load(platform)
    with user_errors():
        findings = diagnose(catalog, options, voice.stage)
    voice.done()
    sys.stdout.write(report_json(findings) if json_output else report_text(findings, blocking_only=voice.quiet))
    raise typer.Exit(exit_status(findings))
