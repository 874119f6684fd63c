"""Render the whole platform: call each concern's renderer per component and group the results by chart."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hearth.capabilities import locks_down_namespaces
from hearth.catalog.models import Component
from hearth.contract import DESCRIPTION, EXCEPTION_PREFIX
from hearth.edge.render import render_edge
from hearth.provision import render_ansible
from hearth.render.alerting import render_alertmanager_file, with_alerting
from hearth.render.app_settings import render_app_settings
from hearth.render.backup import backup_vault_files, render_component_backup, with_backup_store
from hearth.render.bootstrap_tls import render_bootstrap_tls
from hearth.render.claims import render_claims
from hearth.render.cluster import render_kube_system, render_nodes, render_upstream_stand_ins
from hearth.render.dashboards import with_dashboards
from hearth.render.defaults import CHART_VERSION, early_chart, metadata
from hearth.render.grants import render_database_grants
from hearth.render.helmtests import render_helm_tests
from hearth.render.identity import render_identity
from hearth.render.ingress import render_ingress
from hearth.render.log_collector import with_log_collector
from hearth.render.model import ChartRender, Manifest, RenderedPlatform, UpstreamRelease
from hearth.render.network import namespace_policies, render_network
from hearth.render.observability import render_prometheus_rule, render_rules_file, render_service_monitor
from hearth.render.provider_grants import render_provider_grants
from hearth.render.seal_key import render_generated_secrets
from hearth.render.secret_sync import render_secret_sync
from hearth.render.secrets import vault_policy, vault_role
from hearth.render.sso import render_blueprints
from hearth.render.sso_wiring import with_sso_blueprints
from hearth.render.tls import render_certificate, render_cluster_issuer, render_pki_files
from hearth.render.vault_server import with_raft_storage
from hearth.render.workload import pod_disruption_budget, render_workload
from hearth.resolve.records import Resolved

PSA_LEVELS = ("restricted", "baseline", "privileged")

FileRenderer = Callable[[Resolved], dict[str, str]]
"""A renderer of plain files under the build: relative path -> text."""

FILE_RENDERERS: list[FileRenderer] = [
    render_database_grants,
    render_provider_grants,
    render_pki_files,
    render_rules_file,
    render_claims,
    render_edge,
    render_alertmanager_file,
    render_ansible,
    backup_vault_files,
    render_blueprints,
    render_app_settings,
    render_generated_secrets,
]
"""Every renderer of plain files, in the order their files are added; a new kind of file is one entry here."""


ManifestRenderer = Callable[[Resolved, Component], list[Manifest]]
"""A renderer of what one component's chart carries because of what it provides or consumes."""

MANIFEST_RENDERERS: list[ManifestRenderer] = [
    render_ingress,
    render_certificate,
    render_cluster_issuer,
    render_service_monitor,
    render_prometheus_rule,
    render_component_backup,
    render_secret_sync,
]
"""The per-component renderers after the workload and its policies, in chart order; the golden tests iterate it."""


def chart_name(component: Component) -> str:
    """A hearth-rendered component's chart is named after it; an upstream one's companion gets ``-hearth``."""
    return component.name if component.install.method == "hearth" else f"{component.name}-hearth"


def pod_security_level(components: list[Component]) -> str:
    """The strictest Pod Security Admission level every component of a namespace satisfies."""
    level = 0
    for component in components:
        kinds = {e.kind for e in component.security.exceptions}
        caps = {e.value for e in component.security.exceptions if e.kind == "capability"}
        if kinds & {"privileged", "host-path"} or caps - {"NET_BIND_SERVICE"}:
            level = max(level, 2)
        elif "run-as-root" in kinds or component.install.method == "chart":
            level = max(level, 1)
    return PSA_LEVELS[level]


def _privileged_reasons(components: list[Component]) -> dict[str, str]:
    """``hearth.dev/exception-privileged``: why a namespace enforces ``privileged``, from its components' own
    privileged exceptions (the Namespace states what its level admits, as a workload states its exceptions)."""
    reasons = [
        " ".join(e.reason.split())
        for c in sorted(components, key=lambda c: c.name)
        for e in c.security.exceptions
        if e.kind == "privileged"
    ]
    return {f"{EXCEPTION_PREFIX}privileged": " ".join(reasons)} if reasons else {}


def render_namespaces(resolved: Resolved) -> list[Manifest]:
    """Namespace objects with Pod Security labels, then each managed namespace's default policies."""
    out: list[Manifest] = []
    comps = resolved.catalog.components.values()
    for ns in resolved.catalog.platform.namespaces:
        if not ns.managed:
            continue
        level = pod_security_level([c for c in comps if c.namespace == ns.name])
        labels = {
            "app.kubernetes.io/part-of": "hearth",
            "pod-security.kubernetes.io/enforce": level,
            "pod-security.kubernetes.io/warn": "restricted",
        }
        annotations = {DESCRIPTION: ns.description} if ns.description else {}
        annotations |= _privileged_reasons([c for c in comps if c.namespace == ns.name])
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": metadata(ns.name, None, labels, dict(sorted(annotations.items())) or None),
            }
        )
    for ns in resolved.catalog.platform.namespaces:
        if ns.managed:
            out += namespace_policies(ns, resolved.catalog.platform.node_local_dns)
    return out


def _upstream_pdbs(resolved: Resolved, component: Component) -> list[Manifest]:
    out = []
    for pod in resolved.pods_of(component.name):
        if pod.kind != "DaemonSet":
            name = f"{component.name}-{pod.name}"
            out.append(
                pod_disruption_budget(name, component.namespace, {"app.kubernetes.io/part-of": "hearth"}, pod.labels)
            )
    return out


def render_component(resolved: Resolved, component: Component) -> ChartRender:
    """The chart hearth writes for one component (its own, or the companion of an upstream chart)."""
    chart = ChartRender(
        name=chart_name(component),
        component=component.name,
        namespace=component.namespace,
        version=CHART_VERSION,
        app_version=component.image.tag if component.image else component.version,
        description=f"{component.display_name}: {component.description}".rstrip(": "),
    )
    if locks_down_namespaces(component.capabilities()):
        chart.manifests += render_namespaces(resolved)
    chart.manifests += render_identity(component)
    chart.manifests += render_workload(resolved, component)
    if component.install.method == "chart":
        chart.manifests += _upstream_pdbs(resolved, component)
    chart.manifests += render_network(resolved, component.name)
    for render_manifests in MANIFEST_RENDERERS:
        chart.manifests += render_manifests(resolved, component)
    test = render_helm_tests(resolved, component)
    chart.manifests += test.manifests
    chart.tests += test.tests
    return chart


ValueWiring = Callable[[Resolved, Component, dict[str, Any]], dict[str, Any]]
"""Adds to an upstream chart's catalog values what follows from the platform (its providers, its alerts)."""

VALUE_WIRINGS: list[ValueWiring] = [
    with_raft_storage,
    with_alerting,
    with_dashboards,
    with_log_collector,
    with_backup_store,
    with_sso_blueprints,
]
"""Every wiring of upstream values, applied in order; each leaves the values of charts it does not concern alone."""


def upstream_values(resolved: Resolved, component: Component) -> dict[str, Any]:
    """The values of a component's upstream release: its catalog values, then each of :data:`VALUE_WIRINGS`."""
    values = dict(component.install.values)
    for wiring in VALUE_WIRINGS:
        values = wiring(resolved, component, values)
    return values


def network_chart_name(component: Component) -> str:
    """The chart holding an upstream component's NetworkPolicies, released before the upstream chart."""
    return f"{component.name}-network"


def _network_chart(component: Component, companion: ChartRender) -> ChartRender | None:
    """The NetworkPolicies of an upstream component, moved out of its companion chart into a chart of their own.

    The namespace denies everything by default from the first release on, and the companion waits for the
    providers of the CRDs it holds (monitoring for its PodMonitor, Velero, cert-manager): until then the upstream
    pods could reach nothing, Consul's servers no peer, cert-manager not the API server, and ``hearth apply``,
    waiting for each release to roll out, would never get there. Their own chart needs no CRD, so it is released
    before the upstream chart and its pods start with their flows in place.
    """
    policies = [m for m in companion.manifests if m.get("kind") == "NetworkPolicy"]
    if not policies:
        return None
    companion.manifests = [m for m in companion.manifests if m.get("kind") != "NetworkPolicy"]
    holds = "its NetworkPolicies, in place before its upstream chart starts"
    return early_chart(component, network_chart_name(component), holds, policies)


def render_platform(resolved: Resolved) -> RenderedPlatform:
    """Every chart, upstream release, cluster description and file of the platform."""
    out = RenderedPlatform()
    out.cluster["nodes"] = render_nodes(resolved)
    out.cluster["kube-system"] = render_kube_system(resolved)
    for name, component in sorted(resolved.catalog.components.items()):
        out.charts[name] = render_component(resolved, component)
        early = render_bootstrap_tls(resolved, component)
        if early is not None:
            out.bootstrap[early.name] = early
        chart = component.install.chart
        if chart is not None:
            network = _network_chart(component, out.charts[name])
            if network is not None:
                out.bootstrap[network.name] = network
            out.upstream[name] = UpstreamRelease(
                component=name,
                namespace=component.namespace,
                repo_name=chart.name.split("/")[0],
                repo_url=chart.repo,
                chart=chart.name,
                version=chart.version,
                values=upstream_values(resolved, component),
            )
            out.cluster[f"upstream/{name}"] = render_upstream_stand_ins(resolved, name)
    for name, component in sorted(resolved.catalog.components.items()):
        policy = vault_policy(resolved, component)
        if "path " in policy:
            out.files[f"vault/policies/{name}.hcl"] = policy
            out.files[f"vault/roles/{name}.json"] = _json(vault_role(component))
    for render_files in FILE_RENDERERS:
        out.files.update(render_files(resolved))
    return out


def _json(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
