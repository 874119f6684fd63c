"""Backups: which Velero Schedules and dump CronJobs cover each stateful workload.

A workload is stateful when it mounts a PersistentVolumeClaim (``volumes`` or ``volumeClaimTemplates``) or is a
StatefulSet (a stand-in whose ``hearth.dev/workload-kind`` is StatefulSet counts). Coverage, read from the
manifests only:

* a ``velero.io/v1`` ``Schedule`` covers a workload when its template's ``includedNamespaces`` (empty or ``*``:
  all) holds the workload's namespace, ``excludedNamespaces`` does not, and its ``labelSelector`` (and any of
  ``orLabelSelectors``) matches the pod labels. It backs up the volumes when ``defaultVolumesToFsBackup`` is true
  or the pod opts in with ``backup.velero.io/backup-volumes``; otherwise it saves the objects only;
* a dump ``CronJob`` (annotated ``hearth.dev/backup-target``) covers the workloads of its own
  ``hearth.dev/component`` that its pod ``connects-to``: the database it dumps, not the store it writes to.

A stateful workload with neither a volume backup nor a dump fails, unless it states why with a
``hearth.dev/backup-exempt`` annotation (workload or pod template).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.table import Table

from hearth.verify.build.annotations import BACKUP_EXEMPT, BACKUP_TARGET, RETENTION, VELERO_BACKUP_VOLUMES
from hearth.verify.build.fields import selector_matches
from hearth.verify.build.model import Build
from hearth.verify.build.pod_template import PodTemplate
from hearth.verify.tables import titled_table

__all__ = ["BackupCoverage", "Backups", "Cover", "VeleroSchedule", "audit_backups", "dump_jobs", "velero_schedules"]


@dataclass(frozen=True)
class Cover:
    """One Schedule or dump CronJob: its name, cron schedule, retention (ttl) and whether it saves the data."""

    kind: str  # "velero" or "dump"
    name: str
    schedule: str
    retention: str
    volumes: bool
    target: str = ""

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "kind": self.kind,
            "name": self.name,
            "schedule": self.schedule,
            "retention": self.retention,
            "volumes": self.volumes,
            "target": self.target,
        }

    def __str__(self) -> str:
        what = "volumes" if self.volumes else "objects only"
        if self.kind == "dump":
            what = f"dump to {self.target}" if self.target else "dump"
        return f"{self.name} ({self.schedule}, keep {self.retention}, {what})"


@dataclass(frozen=True)
class VeleroSchedule:
    """A ``velero.io/v1`` Schedule: its summary and spec, and which pods it backs up."""

    cover: Cover
    spec: Mapping[str, Any]

    def covers(self, pod: PodTemplate) -> bool:
        """Namespace included (not excluded) and a label selector matching the pod, if there is one."""
        template = self.spec.get("template") or {}
        included = [str(n) for n in template.get("includedNamespaces") or []]
        if included and "*" not in included and pod.namespace not in included:
            return False
        if pod.namespace in (template.get("excludedNamespaces") or []):
            return False
        selectors = [template.get("labelSelector")] if template.get("labelSelector") else []
        selectors += list(template.get("orLabelSelectors") or [])
        return not selectors or any(selector_matches(s, pod.labels) for s in selectors)

    def saves_volumes(self, pod: PodTemplate) -> bool:
        """File-system volume backup by default, or the pod opting in; not when pods or PVCs are excluded."""
        template = self.spec.get("template") or {}
        excluded = {str(r) for r in template.get("excludedResources") or []}
        if excluded & {"pods", "persistentvolumeclaims"}:
            return False
        return bool(template.get("defaultVolumesToFsBackup")) or bool(pod.annotations.get(VELERO_BACKUP_VOLUMES))


def velero_schedules(build: Build) -> list[VeleroSchedule]:
    """Every ``velero.io`` Schedule of the build, by name."""
    out = []
    for doc in build.of_kind("Schedule"):
        if not str(doc.obj.get("apiVersion", "")).startswith("velero.io/"):
            continue
        meta = doc.obj.get("metadata") or {}
        spec = doc.obj.get("spec") or {}
        template = spec.get("template") or {}
        cover = Cover(
            "velero",
            f"{meta.get('namespace') or 'default'}/{meta.get('name')}",
            str(spec.get("schedule", "")),
            str(template.get("ttl", "720h0m0s (Velero default)")),
            bool(template.get("defaultVolumesToFsBackup")),
        )
        out.append(VeleroSchedule(cover, spec))
    return sorted(out, key=lambda s: s.cover.name)


def dump_jobs(build: Build) -> list[tuple[Cover, list[str]]]:
    """Every dump CronJob (``hearth.dev/backup-target``) and the endpoints of the workloads it dumps."""
    out = []
    for job in build.pods:
        if job.kind != "CronJob" or BACKUP_TARGET not in job.object_annotations:
            continue
        dumped: set[str] = set()
        for entry in job.connects_to:
            ref = entry.rpartition(":")[0]
            service = build.services_by_key.get(ref)
            if service is None:
                continue
            dumped |= {p.endpoint for p in build.service_pods(service) if p.component == job.component and p is not job}
        cover = Cover(
            "dump",
            job.endpoint,
            str(job.object_spec.get("schedule", "")),
            job.object_annotations.get(RETENTION, "?"),
            True,
            job.object_annotations.get(BACKUP_TARGET, ""),
        )
        out.append((cover, sorted(dumped)))
    return sorted(out, key=lambda item: item[0].name)


@dataclass
class BackupCoverage:
    """One stateful workload and what backs it up."""

    workload: str
    kind: str
    claims: list[str]
    covers: list[Cover]
    exempt: str | None

    @property
    def status(self) -> str:
        """``pass`` (volumes or dump), ``exempt`` (stated reason), ``fail``."""
        if any(c.volumes for c in self.covers):
            return "pass"
        return "exempt" if self.exempt else "fail"

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "workload": self.workload,
            "kind": self.kind,
            "claims": self.claims,
            "covered_by": [c.to_json() for c in self.covers],
            "exempt": self.exempt,
            "status": self.status,
        }


@dataclass
class Backups:
    """Section 4 of ``hearth check``."""

    workloads: list[BackupCoverage]
    schedules: list[Cover]
    dumps: list[Cover]

    @property
    def failed(self) -> bool:
        """A stateful workload with no volume backup, no dump and no stated exemption."""
        return any(w.status == "fail" for w in self.workloads)

    def summary(self) -> str:
        """One line."""
        counts = {s: sum(1 for w in self.workloads if w.status == s) for s in ("pass", "exempt", "fail")}
        return (
            f"{len(self.workloads)} stateful workloads: {counts['pass']} backed up, {counts['exempt']} exempt, "
            f"{counts['fail']} without backup; {len(self.schedules)} Velero Schedules, {len(self.dumps)} dump CronJobs"
        )

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "status": "fail" if self.failed else "pass",
            "summary": self.summary(),
            "workloads": [w.to_json() for w in self.workloads],
            "schedules": [c.to_json() for c in self.schedules],
            "dumps": [c.to_json() for c in self.dumps],
        }

    def tables(self) -> Iterator[Table]:
        """One row per stateful workload."""
        table = titled_table(
            "Backups of stateful workloads", ("Workload", "PVCs", "Volume backups / dumps", "Objects only", "Verdict")
        )
        marks = {"pass": "[green]ok[/green]", "exempt": "[yellow]exempt[/yellow]", "fail": "[red]NO BACKUP[/red]"}
        for item in self.workloads:
            saving = [str(c) for c in item.covers if c.volumes]
            objects = [c.name.split("/", 1)[-1] for c in item.covers if not c.volumes]
            verdict = marks[item.status] + (f": {item.exempt}" if item.status == "exempt" else "")
            table.add_row(
                item.workload,
                ", ".join(item.claims) or "-",
                "\n".join(saving) or "-",
                ", ".join(objects) or "-",
                verdict,
            )
        yield table


def _stateful(pod: PodTemplate) -> bool:
    if pod.helm_test or pod.kind in ("Job", "CronJob"):
        return False
    return bool(pod.claim_names() or pod.claim_templates()) or pod.workload_kind == "StatefulSet"


def _claims(pod: PodTemplate) -> list[str]:
    names = list(pod.claim_names())
    names += [f"{tpl} (per replica)" for tpl, _, _ in pod.claim_templates()]
    return names


def _covering(build: Build, schedules: Sequence[VeleroSchedule]) -> dict[int, list[VeleroSchedule]]:
    """For each pod (by ``id``), the Schedules that cover it, in Schedule order.

    Each Schedule is tested (:meth:`VeleroSchedule.covers`) only on the pods its included namespaces and label
    selectors can pick, found in the build's label index, so the cost follows the coverage, not pods x Schedules.
    """
    out: dict[int, list[VeleroSchedule]] = {}
    for schedule in schedules:
        template = schedule.spec.get("template") or {}
        included = [str(n) for n in template.get("includedNamespaces") or []]
        namespaces = None if not included or "*" in included else included
        selectors: list[Any] = [template.get("labelSelector")] if template.get("labelSelector") else []
        selectors += list(template.get("orLabelSelectors") or [])
        seen: set[int] = set()
        for selector in selectors or [{}]:
            for pod in build.pod_labels.select_among(namespaces, selector):
                if id(pod) not in seen and schedule.covers(pod):
                    seen.add(id(pod))
                    out.setdefault(id(pod), []).append(schedule)
    return out


def audit_backups(build: Build) -> Backups:
    """Every stateful workload of the build with the Schedules and dumps that cover it."""
    schedules = velero_schedules(build)
    covering = _covering(build, schedules)
    dumps = dump_jobs(build)
    dumps_of: dict[str, list[Cover]] = {}
    for cover, dumped in dumps:
        for endpoint in dumped:
            dumps_of.setdefault(endpoint, []).append(cover)
    out = []
    for pod in sorted(build.pods, key=lambda p: p.endpoint):
        if not _stateful(pod):
            continue
        covers: list[Cover] = []
        for schedule in covering.get(id(pod), []):
            cover = schedule.cover
            saves = schedule.saves_volumes(pod) and bool(pod.claim_names() or pod.claim_templates() or pod.stand_in)
            covers.append(Cover(cover.kind, cover.name, cover.schedule, cover.retention, saves))
        covers += dumps_of.get(pod.endpoint, [])
        exempt = pod.object_annotations.get(BACKUP_EXEMPT) or pod.annotations.get(BACKUP_EXEMPT)
        out.append(BackupCoverage(pod.endpoint, pod.workload_kind, _claims(pod), _order(covers), exempt))
    return Backups(out, [s.cover for s in schedules], [c for c, _ in dumps])


def _order(covers: Sequence[Cover]) -> list[Cover]:
    return sorted(covers, key=lambda c: (not c.volumes, c.kind, c.name))
