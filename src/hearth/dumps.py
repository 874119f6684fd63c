"""The dump jobs ``resolve`` derives: per ``backup.method: dump`` component, its job's pod and the flows it opens.

A component with ``backup.method: dump`` is dumped by the tool of the protocol it provides (the capability's
``dump`` in ``hearth.capabilities``), run from the component's own image against its Service; the job then
uploads to the provider of ``s3`` and reads its credentials from the provider of ``secrets``. The job is a pod of
the component (kind ``CronJob``, pod name ``backup``), so its NetworkPolicy and intent are rendered like any
other pod's, from these flows.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.capabilities import CAPABILITIES
from hearth.catalog.models import Component, Port
from hearth.contract import HEARTH_LABELS, INSTANCE, NAME
from hearth.protocols import DumpTool
from hearth.resolve.endpoints import pod_with_port, provider_endpoint
from hearth.resolve.records import Flow, Pod, Resolved

DUMP_POD = "backup"
"""The pod name of a component's dump job: its objects are ``<component>-backup``."""


@dataclass(frozen=True)
class DumpTarget:
    """What a dump job connects to: the tool for the component's protocol, and the pod and port it dumps."""

    tool: DumpTool
    pod: Pod
    port: Port

    @property
    def host(self) -> str:
        """The database Service's in-cluster name."""
        return f"{self.pod.service}.{self.pod.namespace}.svc"


def dump_target(resolved: Resolved, component: Component) -> DumpTarget | None:
    """The dump tool and endpoint of a ``backup.method: dump`` component, if it provides a protocol with one."""
    if component.backup is None or component.backup.method != "dump":
        return None
    for provide in component.provides:
        tool = CAPABILITIES[provide.capability].dump
        if tool is None or provide.port is None:
            continue
        names = [n for n in tool.ports if any(p.name == n for p in component.ports)] + [provide.port]
        found = pod_with_port(resolved, component, names[0])
        if found is not None:
            return DumpTarget(tool, found[0], found[1])
    return None


def dump_job_labels(component: Component) -> dict[str, str]:
    """Labels of a component's dump job pods; distinct from the component's own so no Service selects them."""
    return {
        NAME: f"{component.name}-backup",
        INSTANCE: component.name,
        "app.kubernetes.io/component": "backup",
        **HEARTH_LABELS,
    }


def dump_jobs(resolved: Resolved) -> list[tuple[Pod, list[Flow]]]:
    """Each dump job's pod and its flows: to the database it dumps, to s3 and to Vault (when they exist).

    None without an s3 provider: there is nowhere to keep a dump.
    """
    s3, vault = provider_endpoint(resolved, "s3"), provider_endpoint(resolved, "secrets")
    if s3 is None:
        return []
    out: list[tuple[Pod, list[Flow]]] = []
    for name, component in sorted(resolved.catalog.components.items()):
        target = dump_target(resolved, component)
        if target is None:
            continue
        pod = Pod(
            name,
            DUMP_POD,
            component.namespace,
            dump_job_labels(component),
            (),
            f"{name}-backup",
            "CronJob",
            1,
            None,
            upstream=False,
        )
        flows = [Flow(pod.key, target.pod.key, target.port, f"dumps {name}")]
        flows.append(Flow(pod.key, s3.pod.key, s3.port, f"uploads {name}'s dump to {s3.component.name}"))
        if vault is not None:
            flows.append(Flow(pod.key, vault.pod.key, vault.port, f"reads {name}'s dump credentials"))
        out.append((pod, flows))
    return out
