"""The identity provider's upstream chart receives the blueprints and the OIDC client secrets they read.

Authentik's chart (goauthentik/helm charts/authentik 2026.8.0) is wired through its own values:

* ``additionalObjects``: the blueprints' ConfigMap (``hearth.render.sso``) ships in the Authentik release itself
  (templates/additional-objects.yaml), so it exists before the worker that mounts it starts: in the companion
  chart, installed after the release, the worker would wait for it while the release waits for the worker;
* ``blueprints.configMaps``: the worker mounts it under ``/blueprints/mounted/cm-<name>`` and applies it
  (templates/worker/deployment.yaml);
* ``worker.podAnnotations``: the Vault agent renders each OIDC client's secret, alone, into
  ``/vault/secrets/sso-<app>``, which the blueprints read with ``!File``; it logs in with the projected token
  (``worker.volumes``) of audience ``vault`` under the identity provider's role, whose policy reads those paths
  (``render.secrets.shared_secret_paths``).

Values of other components, and of an identity provider without blueprints, are returned unchanged.
"""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import Component
from hearth.render.secrets import INJECT, TOKEN_VOLUME, shared_secret_paths, token_volume, vault_address
from hearth.render.sso import CONFIGMAP, identity_provider, render_blueprint_configmap
from hearth.resolve.records import Resolved


def secret_template(path: str) -> str:
    """A Vault agent template writing only the ``client_secret`` of the KV v2 entry at ``path`` (no newline)."""
    return f'{{{{- with secret "{path}" -}}}}{{{{ .Data.data.client_secret }}}}{{{{- end -}}}}'


def with_sso_blueprints(resolved: Resolved, component: Component, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` of the identity provider's chart with the blueprints and the client secrets wired in."""
    idp = identity_provider(resolved)
    if idp is None or component.name != idp.name or component.install.chart is None:
        return values
    configmaps = render_blueprint_configmap(resolved, component)
    if not configmaps:
        return values
    blueprints = dict(values.get("blueprints", {}))
    blueprints["configMaps"] = sorted({*blueprints.get("configMaps", []), CONFIGMAP})
    wired: dict[str, Any] = {
        **values,
        "blueprints": blueprints,
        "additionalObjects": [*values.get("additionalObjects", []), *configmaps],
    }
    shared = shared_secret_paths(resolved, component)
    if shared and vault_address(resolved):
        worker = dict(values.get("worker", {}))
        annotations = {
            f"{INJECT}/agent-inject": "true",
            f"{INJECT}/role": component.name,
            **vault_address(resolved),
            f"{INJECT}/agent-service-account-token-volume-name": TOKEN_VOLUME,
        }
        for file, path in sorted(shared.items()):
            annotations[f"{INJECT}/agent-inject-secret-{file}"] = path
            annotations[f"{INJECT}/agent-inject-template-{file}"] = secret_template(path)
        worker["podAnnotations"] = {**worker.get("podAnnotations", {}), **annotations}
        volumes = list(worker.get("volumes", []))
        if not any(v.get("name") == TOKEN_VOLUME for v in volumes):
            volumes.append(token_volume())
        worker["volumes"] = volumes
        wired["worker"] = worker
    return wired
