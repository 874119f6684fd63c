"""The document's first half: overview, infrastructure, network topology, component inventory, databases.

Each function returns the Markdown lines of one section (its ``##`` heading first). Figures come from
:class:`hearth.docs.facts.Facts`: versions from the helmfile and the charts, nodes from ``cluster/nodes.yaml``,
storage from the PVCs, verdicts from the audit.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from hearth.capabilities import CAPABILITIES
from hearth.docs import mermaid
from hearth.docs.facts import Facts, Version, data_capabilities
from hearth.docs.text import gib, mark, table

__all__ = ["components", "databases", "infrastructure", "network", "overview", "stated_matches"]


def _cluster_vars(facts: Facts) -> dict[str, Any]:
    """The kubespray group_vars hearth rendered (what the cluster is deployed with)."""
    path = Path(facts.report.build_dir) / "ansible/inventory/group_vars/k8s_cluster/k8s-cluster.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return data if isinstance(data, dict) else {}


def _version_text(version: Version | None) -> str:
    if version is None:
        return "not deployed"
    app = f" (app {version.app_version})" if version.app_version else ""
    return f"{version.chart} {version.chart_version}{app}"


def _bare(version: str) -> str:
    return version.strip().removeprefix(">=").strip().removeprefix("v")


def stated_matches(version: Version) -> bool:
    """Whether the catalog's stated version is the deployed chart's version or the app's (``v`` aside)."""
    return _bare(version.stated) in (_bare(version.chart_version), _bare(version.app_version))


def overview(facts: Facts) -> list[str]:
    """What the platform is, counted; the key characteristics as deployed, one per capability provided."""
    catalog = facts.catalog
    platform = catalog.platform
    cluster = _cluster_vars(facts)
    plugin = str(cluster.get("kube_network_plugin", platform.cni.name))
    namespaces = sorted({c.namespace for c in catalog.components.values()})
    roles: dict[str, int] = defaultdict(int)
    for node in platform.nodes:
        roles[node.role] += 1
    lines = ["## Overview", "", f"{platform.description}.", ""]
    lines.append(
        f"{len(catalog.components)} components in {len(namespaces)} namespaces, {len(facts.versions)} helmfile "
        f"releases ({sum(v.upstream for v in facts.versions.values())} from upstream charts), on "
        f"{len(platform.nodes)} nodes (" + ", ".join(f"{n} {role}" for role, n in sorted(roles.items())) + ")."
    )
    lines += ["", "### Key Characteristics", ""]
    lines.append(f"- **Kubernetes**: {cluster.get('kube_version', platform.kubernetes_version)} (kubespray group_vars)")
    cni_version = cluster.get(f"{plugin}_version", platform.cni.version)
    lines.append(f"- **CNI**: {plugin} {cni_version}, mode {platform.cni.mode}")
    lines.append(f"- **Storage class**: {platform.storage_class}")
    for capability in CAPABILITIES:
        names = [n for n, c in sorted(catalog.components.items()) if capability in c.capabilities()]
        if names:
            shown = ", ".join(f"{facts.display(n)} {_version_text(facts.versions.get(n))}" for n in names)
            lines.append(f"- **{capability}**: {shown}")
    return [*lines, ""]


def infrastructure(facts: Facts) -> list[str]:
    """The hosts, the nodes as rendered for the kubelet, and the Ansible roles of ``build/ansible``."""
    platform = facts.catalog.platform
    lines = ["## Infrastructure", "", "### Physical Infrastructure", ""]
    lines.append(f"- **{platform.proxmox.name}** ({platform.proxmox.lan_ip}): hypervisor of the node VMs")
    gateway = platform.gateway
    lines.append(
        f"- **{gateway.name}** ({gateway.public_ip}): " + ", ".join(gateway.services) + f"; WireGuard "
        f"{gateway.wireguard_address} on UDP {gateway.listen_port}"
    )
    lines += ["", "### Kubernetes Cluster", ""]
    rows = []
    for node in platform.nodes:
        cap = facts.node_capacity.get(node.name, {})
        rows.append(
            (
                node.name,
                node.role,
                node.lan_ip,
                node.wireguard_ip,
                f"{cap.get('cpu_m', 0) / 1000:g} cores",
                gib(cap.get("memory", 0)),
                gib(cap.get("disk", 0)),
                node.purpose,
            )
        )
    lines += table(("Node", "Role", "LAN IP", "WireGuard IP", "CPU", "RAM", "Disk", "Purpose"), rows)
    lines += ["### Ansible Roles", ""]
    lines += table(
        ("Role", "Play", "Tags", "Status"),
        ((r.name, r.play, ", ".join(r.tags), f"rendered, {r.tasks} tasks") for r in facts.roles),
    )
    return lines


def network(facts: Facts) -> list[str]:
    """The topology diagram and the port allocation."""
    lines = ["## Network Topology", "", "```mermaid", *mermaid.topology(facts).splitlines(), "```", ""]
    lines += ["### Port Allocation", ""]
    lines += table(
        ("Service", "Port", "Protocol", "Purpose"),
        ((p.service, p.port, p.protocol, p.purpose) for p in facts.catalog.platform.ports),
    )
    return lines


def _workload_verdicts(facts: Facts) -> dict[str, str]:
    """Per component, the compliance verdict of its charts (fail if any feature fails)."""
    out: dict[str, str] = {}
    for chart in facts.audit["compliance"]["charts"]:
        statuses = {f["status"] for f in chart["features"].values()}
        verdict = "fail" if "fail" in statuses else "pass"
        if out.get(chart["component"]) != "fail":
            out[chart["component"]] = verdict
    return out


def components(facts: Facts) -> list[str]:
    """One table per namespace: versions as deployed beside the stated one, storage, backups, verdict, needs."""
    comps = facts.catalog.components
    storage: dict[str, list[str]] = defaultdict(list)
    for pvc in facts.pvcs:
        storage[pvc.component].append(pvc.size)
    verdicts = _workload_verdicts(facts)
    descriptions = {ns.name: ns.description for ns in facts.catalog.platform.namespaces}
    lines = ["## Component Inventory", ""]
    by_namespace: dict[str, list[str]] = defaultdict(list)
    for name, component in sorted(comps.items()):
        by_namespace[component.namespace].append(name)
    headers = ("Component", "Stated", "Chart (deployed)", "App (deployed)", "Storage", "Backup", "Compliance", "Needs")
    for namespace, names in sorted(by_namespace.items()):
        lines += [f"### {descriptions.get(namespace) or namespace} (namespace: {namespace})", ""]
        rows = []
        for name in names:
            version = facts.versions.get(name)
            rows.append(
                (
                    facts.display(name),
                    comps[name].version,
                    f"{version.chart} {version.chart_version}" if version else "not deployed",
                    version.app_version if version else "-",
                    " + ".join(storage.get(name, [])) or "-",
                    "; ".join(facts.backups.get(name, [])) or "-",
                    mark(verdicts.get(name, "-")),
                    ", ".join(facts.display(n) for n in comps[name].needs) or "-",
                )
            )
        lines += table(headers, rows)
    differ = sorted(name for name, v in facts.versions.items() if v.stated and not stated_matches(v))
    lines.append(
        f"**Total**: {len(comps)} components in {len(by_namespace)} namespaces, {len(facts.versions)} helmfile "
        f"releases; the stated version of {len(differ)} matches neither its deployed chart nor its app version."
    )
    return [*lines, ""]


def databases(facts: Facts) -> list[str]:
    """Who gets a database, bucket, vhost or ACL user of which provider (the rendered grants), and where."""
    lines = ["## Database Architecture", "", "### Database Allocation", ""]
    lines.append(
        "Providers of " + ", ".join(data_capabilities()) + " and the consumers each grants a database, bucket, "
        "vhost or user of their own (from the components' needs)."
    )
    lines.append("")
    comps = facts.catalog.components
    lines += table(
        ("Provider", "Capability", "Consumers", "Count", "Purpose"),
        (
            (
                facts.display(db.provider),
                db.capability,
                ", ".join(facts.display(n) for n in db.consumers),
                len(db.consumers),
                comps[db.provider].description,
            )
            for db in facts.databases
        ),
    )
    lines += ["### Connection Strings", "", "In-cluster Service addresses, as rendered:", "", "```"]
    lines += [db.address for db in facts.databases if db.address] + ["```", ""]
    return lines
