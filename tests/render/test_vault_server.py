"""Vault as the seed describes it: raft storage, HA with the catalog's replicas, TLS from the bootstrap CA, and
every consumer on https verifying that CA (never skipping verification)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from hearth.catalog.loader import load_catalog
from hearth.render.model import RenderedPlatform
from hearth.render.platform import render_platform
from hearth.resolve import resolve


@pytest.fixture(scope="module")
def platform() -> RenderedPlatform:
    return render_platform(resolve(load_catalog(None)))


def _server(platform: RenderedPlatform) -> dict[str, Any]:
    server: dict[str, Any] = platform.upstream["vault"].values["server"]
    return server


def test_vault_runs_raft_ha_with_the_catalogs_replicas_joining_every_peer_over_tls(platform: RenderedPlatform) -> None:
    catalog = load_catalog(None)
    replicas = next(p.replicas for p in catalog.components["vault"].install.pods if p.name == "server")
    ha = _server(platform)["ha"]
    assert (ha["enabled"], ha["replicas"], ha["raft"]["enabled"], ha["raft"]["setNodeId"]) == (
        True,
        replicas,
        True,
        True,
    )
    config = ha["raft"]["config"]
    assert 'storage "raft"' in config and 'storage "file"' not in config
    joins = re.findall(r'leader_api_addr = "([^"]+)"', config)
    assert joins == [f"https://vault-{i}.vault-internal:8200" for i in range(replicas)]
    assert config.count("leader_ca_cert_file") == replicas
    assert "tls_disable" not in config
    assert 'tls_cert_file = "/vault/userconfig/vault-server-tls/tls.crt"' in config
    assert platform.upstream["vault"].values["global"]["tlsDisable"] is False
    assert _server(platform)["standalone"] == {"enabled": False}


def test_the_bootstrap_chart_issues_vaults_listener_certificate_from_the_self_signed_ca(
    platform: RenderedPlatform,
) -> None:
    chart = platform.bootstrap["vault-bootstrap-tls"]
    kinds = {(m["kind"], m["metadata"]["name"]): m for m in chart.manifests}
    assert kinds[("ClusterIssuer", "hearth-bootstrap-selfsigned")]["spec"] == {"selfSigned": {}}
    ca = kinds[("Certificate", "hearth-bootstrap-ca")]["spec"]
    assert ca["isCA"] is True and ca["issuerRef"]["name"] == "hearth-bootstrap-selfsigned"
    assert kinds[("ClusterIssuer", "hearth-bootstrap-ca")]["spec"] == {"ca": {"secretName": "hearth-bootstrap-ca"}}
    listener = kinds[("Certificate", "vault-server-tls")]["spec"]
    assert listener["issuerRef"]["name"] == "hearth-bootstrap-ca"
    assert {"vault.service.svc", "*.vault-internal", "vault-internal"} <= set(listener["dnsNames"])
    assert listener["ipAddresses"] == ["127.0.0.1"]
    # No object of the chart is Vault's own issuer, which cannot sign before Vault runs.
    assert not any("vault" in (m["spec"].get("issuerRef") or {}).get("name", "x") for m in chart.manifests)


def test_vault_is_released_after_its_bootstrap_chart_and_cert_manager_needs_nothing_of_vault(
    platform: RenderedPlatform,
) -> None:
    from hearth.render.package.helmfile import helmfile_releases

    releases = {f"{r['namespace']}/{r['name']}": r for r in helmfile_releases(platform, resolve(load_catalog(None)))}
    assert "service/vault-bootstrap-tls" in releases["service/vault"]["needs"]
    assert "service/cert-manager" in releases["service/vault-bootstrap-tls"]["needs"]
    assert not any("vault" in n for n in releases["service/cert-manager"].get("needs", []))


def _annotations(obj: dict[str, Any]) -> dict[str, str]:
    """The pod template annotations of a workload (a CronJob's through its job template)."""
    spec = obj.get("spec") or {}
    spec = (spec.get("jobTemplate") or {}).get("spec") or spec
    annotations: dict[str, str] = ((spec.get("template") or {}).get("metadata") or {}).get("annotations") or {}
    return annotations


def _mappings_with_service(value: object) -> list[dict[str, str]]:
    """Every mapping in an upstream chart's values that names the agent's Vault (its pod annotations)."""
    if isinstance(value, dict):
        found = [value] if "vault.hashicorp.com/service" in value else []
        return found + [m for v in value.values() for m in _mappings_with_service(v)]
    if isinstance(value, list):
        return [m for v in value for m in _mappings_with_service(v)]
    return []


def test_every_agent_talks_https_to_vault_and_verifies_the_bootstrap_ca(platform: RenderedPlatform) -> None:
    annotated = [_annotations(m) for m in platform.all_manifests() if "vault.hashicorp.com/service" in _annotations(m)]
    annotated += [a for release in platform.upstream.values() for a in _mappings_with_service(release.values)]
    assert len(annotated) > 15  # the pods that read something from Vault (18 in the seed)
    for found in annotated:
        assert found["vault.hashicorp.com/service"].startswith("https://")
        assert found["vault.hashicorp.com/tls-secret"] == "vault-ca"
        assert found["vault.hashicorp.com/ca-cert"] == "/vault/tls/ca.crt"
        assert "vault.hashicorp.com/tls-skip-verify" not in found


def test_the_vault_cluster_issuer_and_secret_stores_trust_the_bootstrap_ca(platform: RenderedPlatform) -> None:
    issuer = next(m for m in platform.all_manifests() if m["kind"] == "ClusterIssuer" and "vault" in m["spec"])
    assert issuer["spec"]["vault"]["server"].startswith("https://")
    assert issuer["spec"]["vault"]["caBundleSecretRef"] == {"name": "vault-ca", "key": "ca.crt"}
    stores = [m for m in platform.all_manifests() if m["kind"] == "SecretStore"]
    assert stores
    for store in stores:
        vault = store["spec"]["provider"]["vault"]
        assert vault["server"].startswith("https://")
        assert vault["caProvider"] == {"type": "Secret", "name": "vault-ca", "key": "ca.crt"}


def test_every_namespace_with_a_vault_client_gets_the_ca(platform: RenderedPlatform) -> None:
    trusted = {
        m["metadata"]["namespace"]
        for m in platform.bootstrap["vault-bootstrap-tls"].manifests
        if m["kind"] == "Certificate" and m["metadata"]["name"] == "vault-ca"
    }
    clients = {
        m["metadata"]["namespace"]
        for m in platform.all_manifests()
        if "vault.hashicorp.com/tls-secret" in _annotations(m) or m["kind"] == "SecretStore"
    }
    assert clients <= trusted


def test_prometheus_and_traefik_reach_vault_over_verified_tls(platform: RenderedPlatform) -> None:
    objects = {(m["kind"], m["metadata"]["name"]): m for m in platform.charts["vault"].manifests}
    endpoint = objects[("PodMonitor", "vault")]["spec"]["podMetricsEndpoints"][0]
    assert endpoint["scheme"] == "https"
    assert endpoint["tlsConfig"]["ca"] == {"secret": {"name": "vault-ca", "key": "ca.crt"}}
    service = objects[("IngressRoute", "vault")]["spec"]["routes"][0]["services"][0]
    assert (service["scheme"], service["serversTransport"]) == ("https", "vault-backend")
    assert objects[("ServersTransport", "vault-backend")]["spec"]["rootCAs"] == [{"secret": "vault-ca"}]
    assert "insecureSkipVerify" not in objects[("ServersTransport", "vault-backend")]["spec"]


def test_the_static_seal_reads_a_key_apply_generates_and_the_build_never_holds(platform: RenderedPlatform) -> None:
    (spec,) = json.loads(platform.files["cluster/generated-secrets.json"])
    assert spec == {
        "namespace": "service",
        "name": "vault-seal-key",
        "key": "key",
        "bytes": 32,
        "before": "service/vault",
        "purpose": "Vault's static seal key",
        "labels": {
            "app.kubernetes.io/managed-by": "hearth",
            "app.kubernetes.io/part-of": "hearth",
            "velero.io/exclude-from-backup": "true",
        },
    }
    values = platform.upstream["vault"].values["server"]
    assert {"type": "secret", "name": "vault-seal-key"} in values["extraVolumes"]
    assert 'current_key = "file:///vault/userconfig/vault-seal-key/key"' in values["ha"]["raft"]["config"]
    assert values["image"] == {"repository": "quay.io/openbao/openbao", "tag": "2.7.2"}
