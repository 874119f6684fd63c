"""Velero Schedules: one per ``backup.method: volume`` component, and one per row of ``platform.backups``.

A component's own Schedule goes into that component's (companion) chart, so it comes and goes with the
component; the cluster-wide ones go into Velero's companion chart. Schedules always live in Velero's namespace,
the only one Velero watches: the namespace of the component providing ``backups``. A Schedule's TTL is the
longest term of its retention.
"""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import BackupSchedule, Component
from hearth.contract import COMPONENT, HEARTH_LABELS
from hearth.render.backup.storage import velero_ttl
from hearth.render.defaults import metadata
from hearth.render.model import Manifest
from hearth.resolve.endpoints import providers
from hearth.resolve.pods import standard_labels
from hearth.resolve.records import Resolved


def velero_namespace(resolved: Resolved) -> str | None:
    """The namespace of the first provider of ``backups`` (Velero), where every Schedule lives; None without one."""
    found = providers(resolved, "backups")
    return found[0].namespace if found else None


def _schedule(name: str, namespace: str, labels: dict[str, str], cron: str, template: dict[str, Any]) -> Manifest:
    return {
        "apiVersion": "velero.io/v1",
        "kind": "Schedule",
        "metadata": metadata(name, namespace, labels),
        "spec": {
            "schedule": cron,
            "useOwnerReferencesInBackup": False,
            "template": {"storageLocation": "default", "snapshotVolumes": False, **template},
        },
    }


def render_volume_schedule(resolved: Resolved, component: Component) -> list[Manifest]:
    """A Velero Schedule for a ``backup.method: volume`` component: its pods, with file-system volume backup."""
    backup = component.backup
    pods = resolved.pods_of(component.name)
    ns = velero_namespace(resolved)
    if backup is None or backup.method != "volume" or not pods or ns is None:
        return []
    assert backup.schedule is not None and backup.retention is not None
    selectors = [{"matchLabels": dict(sorted(p.labels.items()))} for p in pods]
    template: dict[str, Any] = {
        "includedNamespaces": [component.namespace],
        "defaultVolumesToFsBackup": True,
        "ttl": velero_ttl(backup.retention),
    }
    if len(selectors) == 1:
        template["labelSelector"] = selectors[0]
    else:
        template["orLabelSelectors"] = selectors
    labels = {**standard_labels(component), COMPONENT: component.name}
    return [_schedule(f"{component.name}-volumes", ns, labels, backup.schedule, template)]


def cluster_schedule(resolved: Resolved, row: BackupSchedule, namespace: str) -> Manifest:
    """A Velero Schedule for a row of ``platform.backups``: every managed namespace; it lives in ``namespace``."""
    managed = [ns.name for ns in resolved.catalog.platform.namespaces if ns.managed]
    template = {
        "includedNamespaces": managed,
        "defaultVolumesToFsBackup": row.include_volumes,
        "ttl": velero_ttl(row.retention),
    }
    labels = dict(HEARTH_LABELS)
    return _schedule(row.name, namespace, labels, row.schedule, template)


def render_cluster_schedules(resolved: Resolved, component: Component) -> list[Manifest]:
    """The Schedules of ``platform.backups``, in the chart of the component providing ``backups``."""
    if "backups" not in component.capabilities():
        return []
    return [cluster_schedule(resolved, row, component.namespace) for row in resolved.catalog.platform.backups]
