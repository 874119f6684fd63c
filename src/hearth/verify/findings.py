"""Findings: what fails or warns in a measured section of ``hearth check``, each with the one fix it needs.

A :class:`Finding` is read off a section's records after it is measured (never from the catalog): the report
prints the verdict table and then only the findings, so a person reads what is wrong and what to do first, and
``--details`` still prints every table. Each audit of :data:`hearth.verify.report.AUDITS` names its findings
function; this module holds those of the sections whose findings are projections of their records (capacity's,
which carry the computed advice, are in :mod:`hearth.verify.capacity.advice`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "FAIL",
    "WARN",
    "Finding",
    "backups_findings",
    "compliance_findings",
    "north_south_findings",
    "observability_findings",
    "statements_findings",
    "zero_trust_findings",
]

FAIL, WARN = "fail", "warn"

# What each compliance feature needs when it fails, in one line (the features of hearth.verify.compliance).
COMPLIANCE_FIXES = {
    "networkpolicy": "add a NetworkPolicy selecting the workload (default deny plus the flows it needs)",
    "service-account": "give the workload a ServiceAccount of its own, rendered with it",
    "rbac": "narrow the Role to read-only pods/configmaps, or drop it",
    "service-monitor": "add a ServiceMonitor/PodMonitor selecting the workload's metrics port",
    "pdb": "add a PodDisruptionBudget selecting the workload",
    "helm-test": "add a Helm test Pod to the chart",
    "run-as-non-root": "run as a non-root user, or state a run-as-root exception with its reason",
    "no-privilege-escalation": "set allowPrivilegeEscalation: false, or state a privileged exception",
    "drop-all-capabilities": "drop ALL capabilities, or state a capability exception naming the one kept",
    "seccomp-runtime-default": "set seccompProfile RuntimeDefault",
    "read-only-root-filesystem": "mount the writable paths and set readOnlyRootFilesystem, or state an exception",
    "probes": "add liveness and readiness probes, or state a no-probe exception (a container with nothing to probe)",
    "requests": "set resources.requests on every container",
    "limits": "set resources.limits on every container",
}


@dataclass(frozen=True)
class Finding:
    """One thing that fails or warns: its level, section key, subject, what is wrong and the fix, in one line."""

    level: str  # FAIL or WARN
    section: str
    subject: str
    problem: str
    fix: str

    def to_json(self) -> dict[str, str]:
        """Stable JSON shape."""
        return {
            "level": self.level,
            "section": self.section,
            "subject": self.subject,
            "problem": self.problem,
            "fix": self.fix,
        }


def zero_trust_findings(section: Any) -> list[Finding]:
    """Extra flows, missing flows and unresolved intent: each a failure."""
    out = []
    for finding in section.extra:
        out.append(
            Finding(
                FAIL,
                "zero_trust",
                str(finding.flow),
                f"allowed but not intended ({finding.cause})",
                "narrow the NetworkPolicy that admits it, or declare the need that makes it intended",
            )
        )
    for finding in section.missing:
        why = "; ".join(finding.reasons)
        out.append(
            Finding(
                FAIL,
                "zero_trust",
                str(finding.flow),
                f"intended ({why}) but not allowed ({finding.cause})" if why else f"not allowed ({finding.cause})",
                "allow it in the source's egress and the destination's ingress policy",
            )
        )
    for item in section.unresolved:
        out.append(
            Finding(
                FAIL,
                "zero_trust",
                f"{item.source}: {item.statement}",
                item.problem,
                "name pods and ports that exist in the build",
            )
        )
    return out


def compliance_findings(section: Any) -> list[Finding]:
    """One failure per workload and failing feature (or per chart when no workload carries the failure)."""
    out = []
    for chart in section.charts:
        for feature, cell in chart.features.items():
            if cell.status != "fail":
                continue
            workloads = [w for w in chart.workloads if w.features[feature].status == "fail"]
            for subject, detail in [(w.endpoint, w.features[feature].detail) for w in workloads] or [
                (f"chart {chart.chart}", cell.detail)
            ]:
                out.append(
                    Finding(FAIL, "compliance", subject, f"{feature}: {detail}", COMPLIANCE_FIXES.get(feature, ""))
                )
    return out


def backups_findings(section: Any) -> list[Finding]:
    """Stateful workloads with neither a volume backup, a dump nor a stated exemption."""
    return [
        Finding(
            FAIL,
            "backups",
            w.workload,
            f"stateful ({', '.join(w.claims) or w.kind}) with no volume backup, dump or exemption",
            "add a Velero volume schedule or a dump CronJob for it, or state a backup exemption with its reason",
        )
        for w in section.workloads
        if w.status == "fail"
    ]


def statements_findings(section: Any) -> list[Finding]:
    """Contradicted statements of the document (warnings: the document is wrong, not the platform)."""
    out = []
    for s in section.statements:
        if s.holds is False:
            problem = f"stated {s.stated}, computed {s.computed}" + (f" ({s.detail})" if s.detail else "")
            fix = "update the statement in the claims file to the computed value, or change the platform until it holds"
            out.append(Finding(WARN, "statements", s.claim, problem, fix))
        elif s.holds is None:
            out.append(
                Finding(WARN, "statements", s.claim, f"not computed ({s.detail})", "state it in a measurable form")
            )
    return out


def north_south_findings(section: Any) -> list[Finding]:
    """Dark hostnames and TCP routes, closed declared exits, undeclared exits."""
    out = [
        Finding(FAIL, "north_south", host, why, "route it from a tunnel entrypoint to a Service that serves it")
        for host, why in sorted(section.hostnames.items())
        if why
    ]
    out += [
        Finding(FAIL, "north_south", f"TCP {route}", why, "route the entrypoint to a Service port that exists")
        for route, why in sorted(section.tcp_routes.items())
        if why
    ]
    out += [
        Finding(FAIL, "north_south", f"{src} -> {dst}", why, "open the declared egress in the source's policy")
        for src, dst, why in section.egress
        if why
    ]
    out += [
        Finding(
            FAIL,
            "north_south",
            name,
            "reaches the internet without a declared egress",
            "declare the egress with its reason, or close it",
        )
        for name in section.undeclared
    ]
    return out


def observability_findings(section: Any) -> list[Finding]:
    """Unscraped metrics (failures); metrics without alerts, uncollected logs, unwatched backups (warnings)."""
    out = []
    for c in section.components:
        if c.metrics and not c.is_scraped:
            out.append(
                Finding(
                    FAIL,
                    "observability",
                    c.component,
                    f"has metrics that nothing scrapes ({c.unscraped or 'no monitor selects them'})",
                    "add a monitor selecting a declared metrics port that the metrics scraper may reach",
                )
            )
        elif c.metrics and not c.alerts:
            out.append(
                Finding(
                    WARN,
                    "observability",
                    c.component,
                    "has metrics but no alert rule",
                    f"add an alert rule labelled component={c.component} or selecting one of its scrape jobs",
                )
            )
        if c.logs:
            out.append(
                Finding(
                    WARN,
                    "observability",
                    c.component,
                    f"logs not collected ({c.logs})",
                    "run the log collector on every node its pods may use",
                )
            )
    out += [
        Finding(
            WARN,
            "observability",
            f"{b.kind} {b.name}",
            "no alert watches this backup",
            "add a failed/late alert naming it",
        )
        for b in section.backups
        if not b.alerts
    ]
    return out
