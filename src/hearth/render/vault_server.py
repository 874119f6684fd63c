"""Vault's server as the seed describes it: integrated storage (raft), HA, and TLS on its listener.

The wiring of the secrets store's upstream values (vault-helm v0.34.1, values.yaml ``server.ha``): HA with
``server.ha.raft`` (``setNodeId``: each node's raft id is its pod name), as many replicas as the catalog's server
pod, and the server configuration rendered here rather than written by hand, so the retry_join list is the
peers that exist:

* ``listener "tcp"``: TLS on the API and cluster ports, with the certificate the bootstrap CA issued into
  ``listener_tls.secret`` (``hearth.render.bootstrap_tls``), mounted by the chart at
  ``/vault/userconfig/<secret>/`` (``server.extraVolumes`` of type secret); unauthenticated metrics for the
  PodMonitor, as before;
* ``storage "raft"`` on the data volume, with one ``retry_join`` per peer, ``https://<pod>.<headless>:<port>``,
  verified with the bootstrap CA (``leader_ca_cert_file``) and named as its certificate names it;
* ``service_registration "kubernetes"`` (the chart's HA default: the active/standby Services select on it);
* ``global.tlsDisable: false``: the chart's ``VAULT_ADDR`` and probes use https, ``VAULT_CACERT`` is the CA;
* with a static unseal (``secrets_init.unseal.method``), ``seal "static"`` reading the key the chart
  Secret ``<component>-seal-key`` that ``hearth apply`` generates once (``hearth.render.seal_key``), mounted like
  the certificate;
* ``server.image``: the catalog's ``image`` (the server the catalog states, rather than the chart's default).

A component without ``listener_tls`` and ``secrets_init`` is left alone.
"""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import Component
from hearth.render.bootstrap_tls import CA_KEY
from hearth.render.seal_key import KEY, seal_secret, uses_static_seal
from hearth.resolve.records import Resolved

USERCONFIG = "/vault/userconfig"
HEADLESS_SUFFIX = "-internal"  # vault-helm templates/server-headless-service.yaml: <fullname>-internal


def _port(component: Component, name: str) -> int:
    return next(p.port for p in component.ports if p.name == name)


def server_config(resolved: Resolved, component: Component) -> str:
    """The HCL of Vault's server: TLS listener, raft storage joining every peer over TLS, telemetry."""
    tls = component.listener_tls
    assert tls is not None and component.storage is not None
    server = next(p for p in component.install.pods if p.kind == "StatefulSet")
    api, cluster = _port(component, "http"), _port(component, "cluster")
    files = f"{USERCONFIG}/{tls.secret}"
    headless = f"{component.name}{HEADLESS_SUFFIX}"
    joins = []
    for index in range(server.replicas):
        peer = f"{component.name}-{index}.{headless}"
        joins += [
            "  retry_join {",
            f'    leader_api_addr = "https://{peer}:{api}"',
            f'    leader_ca_cert_file = "{files}/{CA_KEY}"',
            f'    leader_tls_servername = "{peer}"',
            "  }",
        ]
    seal = []
    if uses_static_seal(component):
        # openbao.org/docs/configuration/seal/static: current_key_id names the key (stored beside what it
        # encrypts, so a later rotation can tell keys apart), current_key where to read its 32 bytes.
        seal = [
            'seal "static" {',
            '  current_key_id = "1"',
            f'  current_key = "file://{USERCONFIG}/{seal_secret(component)}/{KEY}"',
            "}",
            "",
        ]
    lines = [
        "ui = true",
        "",
        *seal,
        'listener "tcp" {',
        f'  address = "[::]:{api}"',
        f'  cluster_address = "[::]:{cluster}"',
        f'  tls_cert_file = "{files}/tls.crt"',
        f'  tls_key_file = "{files}/tls.key"',
        '  tls_min_version = "tls12"',
        "  telemetry {",
        '    unauthenticated_metrics_access = "true"',
        "  }",
        "}",
        "",
        'storage "raft" {',
        f'  path = "{component.storage.mount_path}"',
        *joins,
        "}",
        "",
        'service_registration "kubernetes" {}',
        "",
        "telemetry {",
        '  prometheus_retention_time = "30s"',
        "  disable_hostname = true",
        "}",
    ]
    return "\n".join(lines)


def with_raft_storage(resolved: Resolved, component: Component, values: dict[str, Any]) -> dict[str, Any]:
    """The secrets store's chart values with HA raft storage and the TLS listener (module docstring)."""
    tls = component.listener_tls
    if tls is None or component.secrets_init is None or component.storage is None:
        return values
    server_pod = next((p for p in component.install.pods if p.kind == "StatefulSet"), None)
    if server_pod is None:
        return values
    server = dict(values.get("server") or {})
    server["ha"] = {
        **(server.get("ha") or {}),
        "enabled": True,
        "replicas": server_pod.replicas,
        "raft": {"enabled": True, "setNodeId": True, "config": server_config(resolved, component)},
    }
    volumes = [tls.secret, *([seal_secret(component)] if uses_static_seal(component) else [])]
    server["extraVolumes"] = [*(server.get("extraVolumes") or []), *({"type": "secret", "name": v} for v in volumes)]
    if component.image is not None:
        # vault-helm v0.34.1 values.yaml server.image.repository/tag (templates/server-statefulset.yaml).
        server["image"] = {
            **(server.get("image") or {}),
            "repository": component.image.repository,
            "tag": component.image.tag,
        }
    env = dict(server.get("extraEnvironmentVars") or {})
    env["VAULT_CACERT"] = f"{USERCONFIG}/{tls.secret}/{CA_KEY}"
    server["extraEnvironmentVars"] = env
    global_values = {**(values.get("global") or {}), "tlsDisable": False}
    return {**values, "global": global_values, "server": server}
