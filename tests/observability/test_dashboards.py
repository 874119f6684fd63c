"""Grafana as code on the seed platform: the four dashboards the seed names, pinned, and Loki as a data source."""

from __future__ import annotations

from typing import Any

import pytest

from hearth.catalog.loader import load_catalog
from hearth.render.dashboards import LOKI_DATASOURCE, datasource_names
from hearth.render.platform import render_platform
from hearth.resolve import Resolved, provider_endpoint, providers, resolve


@pytest.fixture(scope="module")
def seed() -> Resolved:
    """The packaged seed platform, resolved."""
    return resolve(load_catalog())


@pytest.fixture(scope="module")
def values(seed: Resolved) -> dict[str, Any]:
    """The kube-prometheus-stack values hearth renders for the provider of ``metrics``."""
    (metrics,) = providers(seed, "metrics")
    return render_platform(seed).upstream[metrics.name].values


@pytest.mark.parametrize(
    ("name", "gnet_id", "revision"),
    [("kubernetes", 15757, 43), ("node-exporter", 1860, 37), ("traefik", 17347, 9), ("postgresql", 9628, 7)],
)
def test_the_seeds_dashboards_are_provisioned_pinned(
    values: dict[str, Any], name: str, gnet_id: int, revision: int
) -> None:
    """Kubernetes, Node Exporter, Traefik, PostgreSQL: each by grafana.com ID and revision, in hearth's provider."""
    grafana = values["grafana"]
    dashboard = grafana["dashboards"]["hearth"][name]
    assert (dashboard["gnetId"], dashboard["revision"]) == (gnet_id, revision)
    (provider,) = grafana["dashboardProviders"]["dashboardproviders.yaml"]["providers"]
    assert provider["name"] == "hearth" and provider["type"] == "file"


def test_every_dashboard_reads_a_data_source_grafana_has(values: dict[str, Any]) -> None:
    """No dashboard names a data source that the values do not provision."""
    names = datasource_names(values)
    for name, dashboard in values["grafana"]["dashboards"]["hearth"].items():
        assert dashboard["datasource"] in names, name


def test_loki_is_a_data_source_at_the_logs_providers_service(seed: Resolved, values: dict[str, Any]) -> None:
    """Loki is found by capability (logs), at the Service and port of the pod that provides it."""
    logs = provider_endpoint(seed, "logs")
    assert logs is not None
    (loki,) = [d for d in values["grafana"]["additionalDataSources"] if d["name"] == LOKI_DATASOURCE]
    assert loki["type"] == "loki"
    assert loki["url"] == f"http://{logs.host}.cluster.local:{logs.pod.service_port(logs.port)}"


def test_other_charts_values_are_left_alone(seed: Resolved) -> None:
    """Only the metrics provider's release gets dashboards and Alertmanager settings."""
    platform = render_platform(seed)
    for name, release in platform.upstream.items():
        if name in seed.catalog.components and "metrics" not in seed.component(name).capabilities():
            assert release.values == dict(seed.component(name).install.values), name
