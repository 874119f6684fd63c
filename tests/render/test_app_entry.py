"""A component's own KV entry (``kv/<ns>/<name>/app``) reaches its pods and its policy only when something it
renders reads it: a credential of source ``app``, or Alertmanager's webhook in the ``metrics`` provider's entry.
An agent asked for an entry nothing writes would keep the pod in its init container."""

from __future__ import annotations

import pytest

from hearth.catalog.loader import load_catalog
from hearth.render.model import RenderedPlatform
from hearth.render.platform import render_platform
from hearth.render.secrets import INJECT, secret_paths
from hearth.resolve import resolve
from hearth.resolve.records import Resolved

READERS = {"monitoring", "n8n", "nextcloud", "penpot", "remnawave", "rybbit", "valkey", "vaultwarden"}
"""The seed's components whose credentials (or Alertmanager's webhook) read their own app entry."""


@pytest.fixture(scope="module")
def seed() -> Resolved:
    return resolve(load_catalog(None))


@pytest.fixture(scope="module")
def rendered(seed: Resolved) -> RenderedPlatform:
    return render_platform(seed)


def test_only_the_readers_get_their_app_entry(seed: Resolved) -> None:
    given = {name for name, c in seed.catalog.components.items() if "app" in secret_paths(seed, c)}
    assert given == READERS


@pytest.mark.parametrize(
    ("component", "reads"),
    [
        ("vaultwarden", True),  # ADMIN_TOKEN_FILE from the entry
        ("rybbit", True),  # BETTER_AUTH_SECRET
        ("valkey", True),  # the exporter's password file
        ("monitoring", True),  # Alertmanager's Slack webhook (platform alert_routing.webhook_secret)
        ("affine", False),  # reads its grants only
        ("postgresql", False),  # its entry is the bootstrap's (admin login), not its pod's
        ("glance", False),
    ],
)
def test_the_policy_reads_the_entry_only_where_a_pod_does(
    rendered: RenderedPlatform, seed: Resolved, component: str, reads: bool
) -> None:
    c = seed.catalog.components[component]
    entry = f"kv/data/{c.namespace}/{component}/app"
    policy = rendered.files.get(f"vault/policies/{component}.hcl", "")
    assert (f'path "{entry}"' in policy) is reads
    annotated = [
        v
        for chart in rendered.charts.values()
        for m in chart.manifests
        for v in (m.get("spec", {}).get("template", {}).get("metadata", {}).get("annotations", {}) or {}).values()
        if v == entry
    ]
    if not reads:
        assert annotated == []


def test_without_alert_routing_monitoring_reads_no_entry(seed: Resolved) -> None:
    platform = seed.catalog.platform.model_copy(update={"alert_routing": None})
    catalog = seed.catalog.model_copy(update={"platform": platform})
    bare = resolve(catalog)
    assert "app" not in secret_paths(bare, bare.catalog.components["monitoring"])
    assert "app" in secret_paths(bare, bare.catalog.components["vaultwarden"])


def test_a_reader_s_pod_is_annotated_for_its_entry(rendered: RenderedPlatform) -> None:
    (sts,) = [m for m in rendered.charts["vaultwarden"].manifests if m["kind"] == "StatefulSet"]
    annotations = sts["spec"]["template"]["metadata"]["annotations"]
    assert annotations[f"{INJECT}/agent-inject-secret-app-admin-token-file"] == "kv/data/data/vaultwarden/app"
