"""Backups: Velero for cluster state and volumes, and each database's own dump tool for dumps.

Velero is a catalog component (``services/service/velero.yaml``) providing ``backups``, an upstream release
storing in the component that provides ``s3``; its chart values get that wiring in
:mod:`hearth.render.backup.velero`. Its credentials come from Vault through the agent injector; no Kubernetes
Secret holds them.

Where things go (the choice this package makes):

* cluster-wide Schedules (``platform.backups``) go into the companion chart of the ``backups`` provider;
* a component's own Schedule (``backup.method: volume``, :mod:`hearth.render.backup.velero_schedules`) or dump
  CronJob (``backup.method: dump``, :mod:`hearth.render.backup.dump_jobs`) goes into that component's (companion)
  chart, so it comes and goes with the component. Schedules always live in Velero's namespace, the only one
  Velero watches.

Connections are flows like any other: Velero's come from its needs, a dump job's from ``hearth.dumps``; so the
NetworkPolicies and intent annotations of both are those of :mod:`hearth.render.network` and
:mod:`hearth.render.intent`. :mod:`~hearth.render.backup.vault` holds the dump jobs' Vault files and
:mod:`~hearth.render.backup.storage` the buckets and retention.
"""

from __future__ import annotations

from hearth.catalog.models import Component
from hearth.render.backup.dump_jobs import render_dump_job
from hearth.render.backup.vault import backup_vault_files
from hearth.render.backup.velero import with_backup_store
from hearth.render.backup.velero_schedules import render_cluster_schedules, render_volume_schedule
from hearth.render.model import Manifest
from hearth.resolve.records import Resolved

__all__ = ["backup_vault_files", "render_component_backup", "with_backup_store"]


def render_component_backup(resolved: Resolved, component: Component) -> list[Manifest]:
    """What a component's chart carries for backups: its dump CronJob or volume Schedule, and the cluster-wide
    Schedules when it is the ``backups`` provider."""
    return (
        render_dump_job(resolved, component)
        + render_volume_schedule(resolved, component)
        + render_cluster_schedules(resolved, component)
    )
