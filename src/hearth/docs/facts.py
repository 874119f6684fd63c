"""What the document states, computed: versions as deployed, PVCs, databases, roles, flows per namespace.

Every value here comes from the rendered build (``helmfile.yaml``, ``charts/*/Chart.yaml``, the manifests and the
pod descriptions under ``cluster/``), from the audit of that build, or from the catalog and its resolution where
the document describes intent (what a component needs). Nothing is written per platform or per component: the
functions walk whatever the build and the catalog hold.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hearth.capabilities import CAPABILITIES
from hearth.catalog.models import Catalog
from hearth.contract import COMPONENT
from hearth.graph import DependencyGraph
from hearth.resolve.endpoints import provider_address
from hearth.resolve.records import Resolved
from hearth.verify.build.fields import byte_amount
from hearth.verify.build.model import Build
from hearth.verify.report import CheckReport

__all__ = [
    "DATA_GRANTS",
    "Database",
    "Facts",
    "Pvc",
    "Role",
    "Version",
    "data_capabilities",
    "gather",
    "namespace_of",
    "universal_needs",
]

# Grants that make a provider a data service of the "Database Architecture" section: a database, a bucket, a
# vhost or an ACL user of its own per consumer (the grant kinds of hearth.capabilities, not capability names).
DATA_GRANTS = frozenset({"database", "bucket", "vhost", "acl-user"})


@dataclass(frozen=True)
class Version:
    """A component as deployed: its helmfile release's chart and version, the chart's app version or the image
    tag its pods run, and the version the catalog states (the seed's string)."""

    component: str
    stated: str
    chart: str
    chart_version: str
    app_version: str
    images: tuple[str, ...]
    upstream: bool


@dataclass(frozen=True)
class Pvc:
    """A PersistentVolumeClaim of the build: ``namespace/name``, the size as written, bytes, class, component."""

    key: str
    size: str
    bytes: int
    storage_class: str
    component: str


@dataclass(frozen=True)
class Database:
    """A data service: the provider, the capability, its in-cluster address and its consumers (from the grants)."""

    provider: str
    capability: str
    address: str
    consumers: tuple[str, ...]


@dataclass(frozen=True)
class Role:
    """An Ansible role of ``build/ansible/``: its tags in ``all.yml``, its play's name and its task count."""

    name: str
    play: str
    tags: tuple[str, ...]
    tasks: int


@dataclass(frozen=True)
class Facts:
    """Everything the document and the page show, computed once."""

    catalog: Catalog
    resolved: Resolved
    report: CheckReport
    audit: Mapping[str, Any]
    versions: dict[str, Version]
    pvcs: list[Pvc]
    databases: list[Database]
    roles: list[Role]
    backups: dict[str, list[str]]
    node_capacity: dict[str, dict[str, int]]

    def display(self, name: str) -> str:
        """A component's display name (the name itself when it is not a component)."""
        component = self.catalog.components.get(name)
        return component.display_name if component else name

    def status(self, key: str) -> str:
        """The verdict of one audit section: ``pass``, ``warn`` or ``fail``."""
        return self.report.status(key)


def namespace_of(endpoint: str) -> str:
    """The namespace of a reachability endpoint (``ns/name``); an address outside the cluster is ``outside``."""
    return endpoint.split("/", 1)[0] if "/" in endpoint else "outside"


def _read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _image_tag(image: str) -> str:
    name = image.split("@", 1)[0]
    tail = name.rsplit("/", 1)[-1]
    return tail.split(":", 1)[1] if ":" in tail else "latest"


def _images(build: Build) -> dict[str, list[str]]:
    """The images each component's pod templates run (first container first; pods upstream charts create first)."""
    out: dict[str, list[str]] = defaultdict(list)
    for pod in sorted(build.pods, key=lambda p: not p.stand_in):  # an upstream chart's own pods first
        component = pod.annotations.get(COMPONENT) or pod.object_annotations.get(COMPONENT)
        if not component or (pod.kind == "Pod" and not pod.stand_in):
            continue  # Helm test pods run test tools, not the component
        for container in pod.spec.get("containers") or []:
            image = container.get("image")
            if isinstance(image, str) and image not in out[component]:
                out[component].append(image)
    return out


def _versions(catalog: Catalog, build: Build) -> dict[str, Version]:
    helmfile = _read_yaml(build.root / "helmfile.yaml") or {}
    images = _images(build)
    out: dict[str, Version] = {}
    for release in helmfile.get("releases") or []:
        component = (release.get("labels") or {}).get("component") or release["name"]
        chart = str(release.get("chart", ""))
        local = chart.startswith("./") or chart.startswith("charts/")
        if local:
            meta = _read_yaml(build.root / chart / "Chart.yaml") or {}
            version, app = str(meta.get("version", "")), str(meta.get("appVersion", ""))
        else:
            version = str(release.get("version", ""))
            found = images.get(component, [])
            app = _image_tag(found[0]) if found else ""
        if component in out and local:
            continue  # a companion chart beside an upstream release: the upstream release is the deployment
        stated = catalog.components[component].version if component in catalog.components else ""
        out[component] = Version(
            component, stated, chart.removeprefix("./"), version, app, tuple(images.get(component, [])), not local
        )
    return out


def _pvcs(build: Build) -> list[Pvc]:
    out = []
    for doc in build.documents:
        if doc.kind != "PersistentVolumeClaim":
            continue
        meta = doc.obj.get("metadata") or {}
        spec = doc.obj.get("spec") or {}
        size = str(((spec.get("resources") or {}).get("requests") or {}).get("storage", "0"))
        component = (meta.get("annotations") or {}).get(COMPONENT) or doc.path.stem
        key = f"{meta.get('namespace') or 'default'}/{meta.get('name')}"
        out.append(Pvc(key, size, byte_amount(size), str(spec.get("storageClassName") or "-"), component))
    return sorted(out, key=lambda p: p.key)


def _databases(resolved: Resolved) -> list[Database]:
    consumers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for grant in resolved.grants:
        if grant.kind in DATA_GRANTS:
            consumers[(grant.provider, grant.capability)].add(grant.consumer)
    out = []
    for (provider, capability), names in sorted(consumers.items()):
        where = provider_address(resolved, provider, capability)
        address = f"{where[0]}:{where[1]}" if where is not None else ""
        out.append(Database(provider, capability, address, tuple(sorted(names))))
    return out


def _roles(build: Build) -> list[Role]:
    root = build.root / "ansible"
    plays = _read_yaml(root / "all.yml") if (root / "all.yml").is_file() else []
    out: list[Role] = []
    for play in plays or []:
        for role in play.get("roles") or []:
            name = role if isinstance(role, str) else str(role.get("role", ""))
            tasks = 0
            for path in sorted((root / "roles" / name / "tasks").glob("*.yml")):
                tasks += sum(1 for item in _read_yaml(path) or [] if isinstance(item, dict))
            out.append(Role(name, str(play.get("name", "")), tuple(play.get("tags") or ()), tasks))
    return out


def _backups(build: Build, audit: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per component, what backs its stateful workloads up, as the backups audit measured it."""
    owner = {
        pod.endpoint: pod.annotations.get(COMPONENT) or pod.object_annotations.get(COMPONENT) for pod in build.pods
    }
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in audit["backups"]["workloads"]:
        rows[owner.get(row["workload"]) or row["workload"]].append(row)
    out: dict[str, list[str]] = {}
    for component, mine in rows.items():
        passed = sum(1 for row in mine if row["status"] == "pass")
        kinds = Counter(cover["kind"] for row in mine for cover in row["covered_by"])
        exempt = [row["exempt"] for row in mine if row["exempt"]]
        text = f"{passed}/{len(mine)} workloads covered"
        out[component] = [
            text + (": " + ", ".join(f"{kind} ×{n}" for kind, n in sorted(kinds.items())) if kinds else "")
        ]
        out[component] += [f"exempt: {reason}" for reason in exempt]
    return out


def _node_capacity(build: Build) -> dict[str, dict[str, int]]:
    return {
        node.name: {"cpu_m": node.cpu_capacity, "memory": node.memory_capacity, "disk": node.disk}
        for node in build.nodes
    }


def gather(catalog: Catalog, resolved: Resolved, build: Build, report: CheckReport) -> Facts:
    """Compute the document's facts from the catalog, its resolution, the rendered build and the audit of it."""
    audit = report.to_json()["sections"]
    assert isinstance(audit, dict)
    return Facts(
        catalog=catalog,
        resolved=resolved,
        report=report,
        audit=audit,
        versions=_versions(catalog, build),
        pvcs=_pvcs(build),
        databases=_databases(resolved),
        roles=_roles(build),
        backups=_backups(build, audit),
        node_capacity=_node_capacity(build),
    )


def universal_needs(graph: DependencyGraph) -> set[str]:
    """What every component with needs needs (the providers of ``everyone_needs`` capabilities): drawn once as
    the first wave rather than as an edge from each component."""
    sets = [set(deps) for deps in graph.needs.values() if deps]
    return set.intersection(*sets) if sets else set()


def data_capabilities() -> list[str]:
    """The capabilities whose grant makes their providers data services (for the section's explanation)."""
    return sorted(name for name, spec in CAPABILITIES.items() if spec.grant in DATA_GRANTS)
