"""Backups: Velero for cluster state and volumes, and each database's own dump tool for dumps.

Velero is not a catalog component, but the seed's ``backup`` role installs it: an upstream release in the
``service`` namespace, storing in the component that provides ``s3``. Its credentials come from Vault through the
agent injector; no Kubernetes Secret holds them.

Where things go (the choice this package of modules makes):

* cluster-wide Schedules (``platform.backups``) go into Velero's companion chart ``velero-hearth`` (keyed
  ``velero`` in ``RenderedPlatform.charts``), next to the NetworkPolicies, PDB, ServiceMonitor and Helm test of
  Velero's pods (:mod:`hearth.render.backup.velero`);
* a component's own Schedule (``backup.method: volume``, :mod:`hearth.render.backup.velero_schedules`) or dump CronJob
  (``backup.method: dump``, :mod:`hearth.render.backup.dump_jobs`) goes into that component's (companion) chart, so it
  comes and goes with the component. Schedules always live in Velero's namespace, the only one Velero watches.

Connections the resolved flows do not know are the backup links of :mod:`hearth.render.backup.links`: one list
from which both the NetworkPolicies and the intent (connects-to annotations, the ServiceMonitor) are rendered.
The rest: :mod:`~hearth.render.backup.velero_pods` (Velero's chart and pods),
:mod:`~hearth.render.backup.velero_values`, :mod:`~hearth.render.backup.dump_targets` (dump tools),
:mod:`~hearth.render.backup.vault` and :mod:`~hearth.render.backup.storage` (buckets and retention).
"""

from __future__ import annotations

from hearth.catalog.models import Component
from hearth.render.backup.dump_jobs import render_dump_job
from hearth.render.backup.links import render_backup_policies
from hearth.render.backup.velero import VeleroRender, allow_node_agent, render_velero
from hearth.render.backup.velero_schedules import render_volume_schedule
from hearth.render.model import Manifest
from hearth.resolve import Resolved

__all__ = ["VeleroRender", "allow_node_agent", "render_component_backup", "render_velero"]


def render_component_backup(resolved: Resolved, component: Component) -> list[Manifest]:
    """What a component's chart carries for its backup: a dump CronJob or a volume Schedule, and the policies."""
    return (
        render_dump_job(resolved, component)
        + render_volume_schedule(resolved, component)
        + render_backup_policies(resolved, component.name)
    )
