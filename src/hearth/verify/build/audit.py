"""The auditor's view of a build directory: the rendered files, read back as Kubernetes objects.

Everything ``hearth check`` measures starts here, and only from files ``hearth render`` wrote (see
docs/manifest-contract.md): ``manifests/`` (what the charts install), ``cluster/`` (nodes, kube-dns and stand-ins
for upstream charts' pods), ``charts/`` (which chart a manifest belongs to, its Helm tests), ``helmfile.yaml``
(releases, ``needs:`` and tag labels) and ``claims.yaml`` (the seed document's statements). Nothing here imports
the catalog, the resolver or the renderers: a build written by hand is audited exactly like a rendered one.

:func:`load_build` reads the files into the model: pod templates (:mod:`hearth.verify.build.pod_template`) and the
:class:`Build` that indexes them with Services, Nodes, releases and charts (:mod:`hearth.verify.build.model`).
The model's names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from hearth.verify.build.annotations import ANNOTATION, DISK_BYTES
from hearth.verify.build.fields import as_list, as_mapping, as_strings, byte_amount, millicore_amount, selector_matches
from hearth.verify.build.files import BuildFiles
from hearth.verify.build.manifests import Document, ManifestError, load_documents, read_documents
from hearth.verify.build.model import Build, ChartInfo, NodeInfo, Release, ServiceInfo, ServicePort
from hearth.verify.build.pod_template import ContainerPortRef, PodTemplate, container_amounts
from hearth.verify.build.workloads import TEMPLATE_PATHS

__all__ = [
    "ANNOTATION",
    "Build",
    "ChartInfo",
    "ContainerPortRef",
    "NodeInfo",
    "PodTemplate",
    "Release",
    "ServiceInfo",
    "ServicePort",
    "container_amounts",
    "load_build",
    "selector_matches",
]


def _pod_template(doc: Document, source: str, rel: str) -> PodTemplate | None:
    path = TEMPLATE_PATHS.get(doc.kind)
    if path is None:
        return None
    meta = as_mapping(doc.obj.get("metadata"))
    name = meta.get("name") or meta.get("generateName")
    if not isinstance(name, str) or not name:
        return None
    template: dict[str, Any] = doc.obj
    for key in path:
        template = as_mapping(template.get(key))
    tmeta = as_mapping(template.get("metadata"))
    object_annotations = as_strings(meta.get("annotations"))
    annotations = object_annotations if not path else as_strings(tmeta.get("annotations"))
    return PodTemplate(
        namespace=str(meta.get("namespace") or "default"),
        name=name,
        kind=doc.kind,
        labels=as_strings(tmeta.get("labels")),
        annotations=annotations,
        object_annotations=object_annotations,
        spec=as_mapping(template.get("spec")),
        object_spec=as_mapping(doc.obj.get("spec")),
        file=rel,
        source=source,
        document=doc,
    )


def _service(doc: Document, rel: str) -> ServiceInfo:
    meta = as_mapping(doc.obj.get("metadata"))
    spec = as_mapping(doc.obj.get("spec"))
    ports = []
    for raw in as_list(spec.get("ports")):
        raw = as_mapping(raw)
        number = raw.get("port")
        if not isinstance(number, int):
            continue
        target = raw.get("targetPort", number)
        if isinstance(target, str) and target.isdigit():
            target = int(target)
        name = raw.get("name")
        ports.append(
            ServicePort(
                name if isinstance(name, str) else None,
                number,
                str(raw.get("protocol") or "TCP"),
                target if isinstance(target, int | str) else number,
            )
        )
    selector = spec.get("selector")
    return ServiceInfo(
        namespace=str(meta.get("namespace") or "default"),
        name=str(meta.get("name")),
        labels=as_strings(meta.get("labels")),
        selector=as_strings(selector) if isinstance(selector, dict) else None,
        ports=tuple(ports),
        file=rel,
    )


def _node(doc: Document) -> NodeInfo:
    meta = as_mapping(doc.obj.get("metadata"))
    status = as_mapping(doc.obj.get("status"))
    capacity = as_mapping(status.get("capacity"))
    allocatable = as_mapping(status.get("allocatable")) or capacity
    annotations = as_strings(meta.get("annotations"))
    disk_raw = annotations.get(DISK_BYTES) or capacity.get("ephemeral-storage")
    pods_raw = allocatable.get("pods", 110)
    spec = as_mapping(doc.obj.get("spec"))
    return NodeInfo(
        name=str(meta.get("name")),
        labels=as_strings(meta.get("labels")),
        cpu=millicore_amount(allocatable.get("cpu")),
        memory=byte_amount(allocatable.get("memory")),
        pods=int(pods_raw) if str(pods_raw).isdigit() else 110,
        cpu_capacity=millicore_amount(capacity.get("cpu")),
        memory_capacity=byte_amount(capacity.get("memory")),
        disk=byte_amount(disk_raw),
        internal_ips=tuple(
            str(as_mapping(a).get("address"))
            for a in as_list(status.get("addresses"))
            if as_mapping(a).get("type") == "InternalIP" and as_mapping(a).get("address")
        ),
        unschedulable=bool(spec.get("unschedulable")),
        taints=tuple(as_mapping(t) for t in as_list(spec.get("taints"))),
    )


def _releases(path: Path, read: Callable[[Path], bytes]) -> list[Release]:
    if not path.is_file():
        return []
    docs = read_documents(path, read)
    out = []
    for doc in docs:
        for raw in as_list(doc.obj.get("releases")):
            raw = as_mapping(raw)
            namespace = str(raw.get("namespace") or "default")
            needs = []
            for need in as_list(raw.get("needs")):
                need = str(need)
                needs.append(need if "/" in need else f"{namespace}/{need}")
            out.append(
                Release(
                    name=str(raw.get("name")),
                    namespace=namespace,
                    chart=str(raw.get("chart", "")),
                    needs=tuple(needs),
                    labels=as_strings(raw.get("labels")),
                )
            )
    return out


def _charts(root: Path, releases: Sequence[Release], upstream: Iterable[str]) -> dict[str, ChartInfo]:
    charts_dir = root / "charts"
    if not charts_dir.is_dir():
        return {}
    upstream_set = set(upstream)
    component_of_chart = {
        r.chart.rstrip("/").rsplit("/", 1)[-1]: r.component for r in releases if r.local and r.chart.rstrip("/")
    }
    out = {}
    for chart_yaml in sorted(charts_dir.glob("*/Chart.yaml")):
        name = chart_yaml.parent.name
        component = component_of_chart.get(name) or name.removesuffix("-hearth")
        tests = sorted(
            p.relative_to(root).as_posix() for p in (chart_yaml.parent / "templates" / "tests").glob("*.y*ml")
        )
        out[name] = ChartInfo(name, component, component in upstream_set, tuple(tests))
    return out


def load_build(root: Path, files: BuildFiles | None = None) -> Build:
    """Read a build directory. Raises :class:`ManifestError` (a ``ValueError``) with one line when unreadable.

    With ``files`` (``hearth check``'s one read of the build) the YAML is parsed from the bytes it read, and the
    sections that read the files again (the secrets section's values and plaintext scan) take them from it.

    ``manifests/`` is required; ``cluster/``, ``charts/``, ``helmfile.yaml`` and ``claims.yaml`` are read when
    present. ``hearth.verify.report.run_check`` first requires each file a section reads (and the build's index),
    so a section never passes on an input that is missing; what is present but unreadable is a ManifestError
    naming it.
    """
    root = Path(root)
    read = Path.read_bytes if files is None else files.read_bytes
    manifests_dir = root / "manifests"
    if not manifests_dir.is_dir():
        raise ManifestError(root, None, "not a build directory: no manifests/ (run `hearth render --out DIR` first)")
    documents: list[Document] = []
    pods: list[PodTemplate] = []
    services: list[ServiceInfo] = []
    nodes: list[NodeInfo] = []
    by_file: dict[str, list[Document]] = {}
    namespaces: list[str] = []
    sources = [("manifests", manifests_dir)]
    if (root / "cluster").is_dir():
        sources.append(("cluster", root / "cluster"))
    for source, directory in sources:
        for doc in load_documents([directory], read):
            rel = doc.path.relative_to(root).as_posix()
            documents.append(doc)
            if source == "manifests":
                by_file.setdefault(doc.path.stem, []).append(doc)
            pod = _pod_template(doc, source, rel)
            if pod is not None:
                pods.append(pod)
            elif doc.kind == "Service":
                services.append(_service(doc, rel))
            elif doc.kind == "Node":
                nodes.append(_node(doc))
            elif doc.kind == "Namespace" and source == "manifests":
                namespaces.append(str(as_mapping(doc.obj.get("metadata")).get("name")))
    releases = _releases(root / "helmfile.yaml", read)
    claims = None
    claims_path = root / "claims.yaml"
    if claims_path.is_file():
        claim_docs = read_documents(claims_path, read)
        claims = claim_docs[0].obj if claim_docs else {}
    build = Build(
        root=root,
        documents=documents,
        pods=pods,
        services=services,
        nodes=nodes,
        releases=releases,
        charts={},
        claims=claims,
        by_component_file=by_file,
        namespaces_rendered=sorted(set(namespaces)),
        files=files,
    )
    build.charts = _charts(root, releases, build.upstream_components)
    return build
