"""Authentik blueprints for the platform's SSO, rendered under ``sso/`` and applied by Authentik itself.

Kept whole: the OIDC, forward-auth and LDAP blueprints and the clients file are written with one blueprint dumper
(its ``!Find`` tags) and one set of Authentik names and flows, read from one Authentik release (below); split, every
part would import those back.

The seed asks for "OAuth2 integration for all web apps, LDAP backend for legacy apps". Each web app states how it
logs in (``web.sso``); this module writes what the identity provider (``platform.sso.provider``) must hold for it,
as Authentik blueprints (docs.goauthentik.io/customize/blueprints, schema ``blueprints/schema.json``):

* ``sso/blueprints/oidc-<app>.yaml`` for every ``sso-client`` grant: an OAuth2/OpenID provider (confidential
  client, client id = the app's name, redirect URIs on the app's host under the platform domain, signed with
  Authentik's self-signed key, the implicit-consent authorization flow) and its application;
* ``sso/blueprints/forward-auth.yaml``: a proxy provider (``forward_single``, the app's external host, its
  ``sso_skip_paths``) and application per forward-auth app, all bound to the embedded outpost, which answers
  Traefik's forwardAuth (``hearth.render.ingress``);
* ``sso/blueprints/ldap.yaml``: an LDAP provider and application per ldap app and the LDAP outpost serving them,
  deployed by Authentik on its local Kubernetes connection.

No client secret is in a blueprint: the provider's ``client_secret`` is ``!File /vault/secrets/sso-<app>``, a file
the Vault agent renders into Authentik's worker from the KV entry ``hearth bootstrap`` generates
(``sso/clients.json`` lists them; the consumer reads the same entry through its own agent, ``render.secrets``).
The blueprints reach Authentik as the ConfigMap :data:`CONFIGMAP`, which the chart's ``blueprints.configMaps``
mounts into the worker under ``/blueprints/mounted/`` (goauthentik/helm charts/authentik values.yaml 2026.8.0 and
templates/worker/deployment.yaml); the worker discovers and applies every ``*.yaml`` there.

Names below are Authentik's own: flow slugs from ``blueprints/default/`` (default-provider-authorization-implicit-
consent, default-provider-invalidation-flow, default-authentication-flow, default-invalidation-flow), the scope
mappings' ``managed`` ids from ``blueprints/system/providers-oauth2.yaml``, the key pair name from
``authentik/crypto/apps.py``, the embedded outpost's ``managed`` id from ``authentik/outposts/apps.py`` and the
local Kubernetes connection from ``authentik/outposts/tasks.py`` (``local=True``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from hearth.catalog.models import Component
from hearth.contract import HEARTH_LABELS
from hearth.render.defaults import metadata
from hearth.render.ingress import fqdn
from hearth.render.model import Manifest
from hearth.render.secrets import secret_path
from hearth.resolve.records import Resolved

BLUEPRINT_DIR = "sso/blueprints"
CLIENTS_FILE = "sso/clients.json"
CONFIGMAP = "hearth-sso-blueprints"
SECRET_DIR = "/vault/secrets"
SCHEMA_COMMENT = "# yaml-language-server: $schema=https://goauthentik.io/blueprints/schema.json\n"

AUTHORIZATION_FLOW = "default-provider-authorization-implicit-consent"
PROVIDER_INVALIDATION_FLOW = "default-provider-invalidation-flow"
LDAP_BIND_FLOW = "default-authentication-flow"
LDAP_INVALIDATION_FLOW = "default-invalidation-flow"
SIGNING_KEY = "authentik Self-signed Certificate"
SCOPES = ("openid", "email", "profile")
EMBEDDED_OUTPOST = "goauthentik.io/outposts/embedded"
LDAP_OUTPOST = "ldap"
LDAP_OUTPOST_POD_LABEL = "goauthentik.io/outpost-name"
"""The label Authentik's outpost controller gives an outpost's pods (the catalog's pod of the LDAP outpost)."""


@dataclass(frozen=True)
class Tag:
    """A YAML value carrying one of Authentik's blueprint tags (``!Find``, ``!KeyOf``, ``!File``)."""

    tag: str
    value: Any


# libyaml's emitter when PyYAML has it (the pure-Python one took most of the blueprints' cost: a blueprint per OIDC
# client); both write these documents byte for byte alike.
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class BlueprintDumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Block-style YAML that writes :class:`Tag` values as Authentik's tags, without aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        """Never write anchors: every repeated value is written out."""
        return True


def _represent_tag(dumper: yaml.SafeDumper, data: Tag) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value, flow_style=True)
    # Quoted, as the pure-Python emitter writes a scalar with an explicit tag (libyaml would write it plain).
    return dumper.represent_scalar(data.tag, str(data.value), style="'")


BlueprintDumper.add_representer(Tag, _represent_tag)


def find(model: str, field: str, value: object) -> Tag:
    """``!Find [model, [field, value]]``: the primary key of the one object of ``model`` with ``field = value``."""
    return Tag("!Find", [model, [field, value]])


def _flow(slug: str) -> Tag:
    return find("authentik_flows.flow", "slug", slug)


def _blueprint(name: str, description: str, entries: list[dict[str, Any]]) -> str:
    document = {
        "version": 1,
        "metadata": {"name": name, "labels": {"blueprints.goauthentik.io/description": description}},
        "entries": entries,
    }
    body = yaml.dump(document, Dumper=BlueprintDumper, sort_keys=False, default_flow_style=False, width=120)
    return SCHEMA_COMMENT + "# Written by `hearth render`; Authentik's worker applies it from the ConfigMap.\n" + body


def identity_provider(resolved: Resolved) -> Component | None:
    """The platform's ``sso.provider`` component, when the catalog has it."""
    return resolved.catalog.components.get(resolved.catalog.platform.sso.provider)


def _application(component: Component, launch: str) -> dict[str, Any]:
    return {
        "model": "authentik_core.application",
        "identifiers": {"slug": component.name},
        "attrs": {
            "name": component.display_name,
            "provider": Tag("!KeyOf", f"provider-{component.name}"),
            "meta_launch_url": launch,
        },
    }


def host_pattern(host: str) -> str:
    """The redirect URIs Authentik accepts for an app: any path on its own host, over https."""
    return f"^https://{re.escape(host)}/.*$"


def issuer(resolved: Resolved, idp: Component, app: str) -> str | None:
    """Authentik's per-provider issuer for ``app`` (``https://<idp host>/application/o/<slug>/``)."""
    host = fqdn(resolved, idp)
    return f"https://{host}/application/o/{app}/" if host else None


def oidc_blueprint(component: Component, host: str) -> str:
    """The provider and application of one OIDC client; the secret is read from the Vault agent's file."""
    provider = {
        "model": "authentik_providers_oauth2.oauth2provider",
        "id": f"provider-{component.name}",
        "identifiers": {"name": f"hearth-{component.name}"},
        "attrs": {
            "authorization_flow": _flow(AUTHORIZATION_FLOW),
            "invalidation_flow": _flow(PROVIDER_INVALIDATION_FLOW),
            "client_type": "confidential",
            "client_id": component.name,
            "client_secret": Tag("!File", f"{SECRET_DIR}/sso-{component.name}"),
            "redirect_uris": [{"matching_mode": "regex", "url": host_pattern(host)}],
            "signing_key": find("authentik_crypto.certificatekeypair", "name", SIGNING_KEY),
            "property_mappings": [
                find("authentik_providers_oauth2.scopemapping", "managed", f"goauthentik.io/providers/oauth2/scope-{s}")
                for s in SCOPES
            ],
        },
    }
    return _blueprint(
        f"hearth-oidc-{component.name}",
        f"OIDC client of {component.display_name} (https://{host})",
        [provider, _application(component, f"https://{host}/")],
    )


def forward_auth_blueprint(apps: list[tuple[Component, str]]) -> str:
    """Proxy providers (forward auth, single application) and applications, bound to the embedded outpost."""
    entries: list[dict[str, Any]] = []
    for component, host in apps:
        attrs: dict[str, Any] = {
            "authorization_flow": _flow(AUTHORIZATION_FLOW),
            "invalidation_flow": _flow(PROVIDER_INVALIDATION_FLOW),
            "mode": "forward_single",
            "external_host": f"https://{host}",
        }
        if component.web is not None and component.web.sso_skip_paths:
            attrs["skip_path_regex"] = "\n".join(component.web.sso_skip_paths)
        entries.append(
            {
                "model": "authentik_providers_proxy.proxyprovider",
                "id": f"provider-{component.name}",
                "identifiers": {"name": f"hearth-{component.name}"},
                "attrs": attrs,
            }
        )
        entries.append(_application(component, f"https://{host}/"))
    entries.append(
        {
            "model": "authentik_outposts.outpost",
            "identifiers": {"managed": EMBEDDED_OUTPOST},
            "attrs": {"providers": [Tag("!KeyOf", f"provider-{c.name}") for c, _ in apps]},
        }
    )
    return _blueprint("hearth-forward-auth", "Forward auth for the apps without native OIDC", entries)


def base_dn(domain: str) -> str:
    """``example.org`` -> ``dc=example,dc=org``."""
    return ",".join(f"dc={part}" for part in domain.split("."))


def outpost_patches(resources: dict[str, Any] | None) -> dict[str, Any]:
    """``kubernetes_json_patches`` giving the outpost's container the requests and limits the catalog states for
    its pod (Authentik's outpost controller sets none; authentik/outposts/controllers/k8s/base.py applies these
    JSON patches to the Deployment it renders)."""
    if not resources:
        return {}
    patch = {"op": "add", "path": "/spec/template/spec/containers/0/resources", "value": resources}
    return {"kubernetes_json_patches": {"deployment": [patch]}}


def ldap_blueprint(
    apps: list[tuple[Component, str]], domain: str, namespace: str, resources: dict[str, Any] | None = None
) -> str:
    """LDAP providers and applications, and the LDAP outpost Authentik deploys in its own namespace (with the
    outpost pod's stated ``resources``)."""
    entries: list[dict[str, Any]] = []
    for component, host in apps:
        entries.append(
            {
                "model": "authentik_providers_ldap.ldapprovider",
                "id": f"provider-{component.name}",
                "identifiers": {"name": f"hearth-{component.name}"},
                "attrs": {
                    "authorization_flow": _flow(LDAP_BIND_FLOW),
                    "invalidation_flow": _flow(LDAP_INVALIDATION_FLOW),
                    "base_dn": base_dn(domain),
                    "bind_mode": "cached",
                    "search_mode": "cached",
                },
            }
        )
        entries.append(_application(component, f"https://{host}/"))
    entries.append(
        {
            "model": "authentik_outposts.outpost",
            "identifiers": {"name": LDAP_OUTPOST},
            "attrs": {
                "type": "ldap",
                "providers": [Tag("!KeyOf", f"provider-{c.name}") for c, _ in apps],
                "service_connection": find("authentik_outposts.kubernetesserviceconnection", "local", True),
                "config": {"kubernetes_namespace": namespace, **outpost_patches(resources)},
            },
        }
    )
    return _blueprint("hearth-ldap", "LDAP for the apps that speak only LDAP", entries)


def _hosted(resolved: Resolved, mode: str) -> list[tuple[Component, str]]:
    out = []
    for _name, component in sorted(resolved.catalog.components.items()):
        host = fqdn(resolved, component)
        if component.web is not None and component.web.sso == mode and host is not None:
            out.append((component, host))
    return out


def oidc_clients(resolved: Resolved) -> list[dict[str, str]]:
    """Every ``sso-client`` grant of the identity provider as the bootstrap writes it into Vault: the app, the KV
    entry both ends read (``secret``), the client id, the issuer and the redirect URIs' pattern."""
    idp = identity_provider(resolved)
    if idp is None:
        return []
    out = []
    for grant in sorted(resolved.grants, key=lambda g: g.consumer):
        consumer = resolved.component(grant.consumer)
        host = fqdn(resolved, consumer)
        url = issuer(resolved, idp, consumer.name)
        if grant.kind != "sso-client" or grant.provider != idp.name or host is None or url is None:
            continue
        out.append(
            {
                "consumer": consumer.name,
                "namespace": consumer.namespace,
                "client_id": consumer.name,
                "secret": secret_path(grant, consumer).replace("kv/data/", "kv/", 1),
                "issuer": url,
                "redirect": host_pattern(host),
            }
        )
    return out


def render_blueprints(resolved: Resolved) -> dict[str, str]:
    """``sso/blueprints/*.yaml`` and ``sso/clients.json``; nothing without the identity provider."""
    idp = identity_provider(resolved)
    if idp is None:
        return {}
    files: dict[str, str] = {}
    clients = oidc_clients(resolved)
    for client in clients:
        component = resolved.component(client["consumer"])
        host = fqdn(resolved, component)
        assert host is not None
        files[f"{BLUEPRINT_DIR}/oidc-{component.name}.yaml"] = oidc_blueprint(component, host)
    forward = [(c, h) for c, h in _hosted(resolved, "forward-auth") if c.name != idp.name]
    if forward:
        files[f"{BLUEPRINT_DIR}/forward-auth.yaml"] = forward_auth_blueprint(forward)
    ldap = _hosted(resolved, "ldap")
    if ldap:
        outpost = next((p for p in idp.install.pods if LDAP_OUTPOST_POD_LABEL in p.labels), None)
        resources = outpost.resources.model_dump(mode="json") if outpost and outpost.resources else None
        domain = resolved.catalog.platform.domain
        files[f"{BLUEPRINT_DIR}/ldap.yaml"] = ldap_blueprint(ldap, domain, idp.namespace, resources)
    if clients:
        files[CLIENTS_FILE] = json.dumps({"provider": idp.name, "clients": clients}, indent=2, sort_keys=True) + "\n"
    return files


def render_blueprint_configmap(resolved: Resolved, component: Component) -> list[Manifest]:
    """The ConfigMap of every blueprint, in the identity provider's chart (its worker mounts it)."""
    idp = identity_provider(resolved)
    if idp is None or component.name != idp.name:
        return []
    data = {
        path.removeprefix(f"{BLUEPRINT_DIR}/"): text
        for path, text in sorted(render_blueprints(resolved).items())
        if path.startswith(f"{BLUEPRINT_DIR}/")
    }
    if not data:
        return []
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata(CONFIGMAP, component.namespace, dict(HEARTH_LABELS)),
            "data": data,
        }
    ]
