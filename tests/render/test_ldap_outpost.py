"""The Authentik LDAP outpost has a NetworkPolicy like every pod: the apps that log in over LDAP reach it on LDAP
and LDAPS and nothing else does; it reaches only Authentik's server; its pod requests what the catalog states."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from hearth.catalog.loader import load_catalog
from hearth.render.model import RenderedPlatform
from hearth.render.platform import render_platform
from hearth.resolve import resolve

OUTPOST = {"app.kubernetes.io/name": "authentik-outpost-ldap", "goauthentik.io/outpost-name": "ldap"}


@pytest.fixture(scope="module")
def platform() -> RenderedPlatform:
    return render_platform(resolve(load_catalog(None)))


def _policy(platform: RenderedPlatform, chart: str, name: str) -> dict[str, Any]:
    return next(
        m for m in platform.component_manifests(chart) if m["kind"] == "NetworkPolicy" and m["metadata"]["name"] == name
    )


def _peers(rules: list[dict[str, Any]], key: str) -> dict[str, set[int]]:
    """Peer pods (``namespace/name label``) -> the ports a policy's rules open to or from them."""
    out: dict[str, set[int]] = {}
    for rule in rules:
        for peer in rule.get(key, []):
            labels = peer.get("podSelector", {}).get("matchLabels", {})
            namespace = peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
            who = f"{namespace}/{labels.get('app.kubernetes.io/name', labels)}"
            out.setdefault(who, set()).update(p["port"] for p in rule["ports"])
    return out


def test_only_ldap_apps_reach_the_outpost_on_ldap_and_ldaps(platform: RenderedPlatform) -> None:
    catalog = load_catalog(None)
    ldap_apps = sorted(n for n, c in catalog.components.items() if c.web is not None and c.web.sso == "ldap")
    assert ldap_apps == ["teamcity"]
    policy = _policy(platform, "authentik", "authentik-ldap-outpost")
    assert policy["spec"]["podSelector"]["matchLabels"] == OUTPOST
    assert _peers(policy["spec"]["ingress"], "from") == {"code/teamcity": {3389, 6636}}
    # It talks to Authentik's server only: none of Authentik's needs (database, cache, Consul, Vault).
    assert set(_peers(policy["spec"]["egress"], "to")) == {"service/authentik"}


def test_the_ldap_app_may_reach_the_outpost(platform: RenderedPlatform) -> None:
    egress = _peers(_policy(platform, "teamcity", "teamcity")["spec"]["egress"], "to")
    assert egress["service/authentik-outpost-ldap"] == {3389, 6636}


def test_the_blueprint_gives_the_outpost_pod_the_catalogs_resources(platform: RenderedPlatform) -> None:
    catalog = load_catalog(None)
    pod = next(p for p in catalog.components["authentik"].install.pods if p.name == "ldap-outpost")
    assert pod.resources is not None
    docs = yaml.safe_load(platform.files["sso/blueprints/ldap.yaml"].replace("!KeyOf", "").replace("!Find", ""))
    outpost = next(e for e in docs["entries"] if e["model"] == "authentik_outposts.outpost")
    (patch,) = outpost["attrs"]["config"]["kubernetes_json_patches"]["deployment"]
    assert patch["path"] == "/spec/template/spec/containers/0/resources"
    assert patch["value"] == pod.resources.model_dump(mode="json")
