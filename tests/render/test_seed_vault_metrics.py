"""Vault answers the seed's PodMonitor: /v1/sys/metrics without a token, in Prometheus format.

Vault's sys/metrics endpoint needs a client token unless the listener sets ``telemetry { unauthenticated_metrics_access
= true }``, and refuses the Prometheus format while ``telemetry.prometheus_retention_time`` is zero (its default);
vault-helm 0.34.1 leaves both commented out in its configs; hearth renders ``server.ha.raft.config`` with both.
"""

from __future__ import annotations

import re

from hearth.catalog.loader import load_catalog
from hearth.render.platform import render_platform
from hearth.resolve import resolve


def test_vault_config_serves_the_metrics_its_pod_monitor_scrapes() -> None:
    platform = render_platform(resolve(load_catalog(None)))
    monitors = [
        m for m in platform.charts["vault"].manifests if m["kind"] == "PodMonitor" and m["metadata"]["name"] == "vault"
    ]
    assert [e["path"] for m in monitors for e in m["spec"]["podMetricsEndpoints"]] == ["/v1/sys/metrics"]
    config = platform.upstream["vault"].values["server"]["ha"]["raft"]["config"]
    listener = re.search(r'listener "tcp" \{(.*?)\n\}', config, re.S)
    assert listener is not None
    assert re.search(r'telemetry \{\s*unauthenticated_metrics_access = "true"\s*\}', listener.group(1))
    assert re.search(r'^telemetry \{[^}]*prometheus_retention_time = "[1-9][0-9]*[smh]"', config, re.M)
