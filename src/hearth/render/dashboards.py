"""Grafana as code: the catalog's dashboards, pinned by grafana.com ID and revision, and Loki as a data source.

The dashboards go into the kube-prometheus-stack values of the ``metrics`` provider as the grafana chart takes
them: a file dashboard provider (``grafana.dashboardProviders``) and ``grafana.dashboards.<provider>.<name>`` with
``gnetId``, ``revision`` and ``datasource`` (grafana-community/helm-charts charts/grafana values.yaml, and its
templates/configmap.yaml, which fetches each one from grafana.com in the download-dashboards init container into
the provider's path). The JSON is grafana.com's; only the pin is hearth's.

The provider of ``logs`` (Loki) becomes an extra data source named ``Loki`` (kube-prometheus-stack values
``grafana.additionalDataSources``, provisioned by its templates/grafana/configmaps-datasources.yaml next to the
default ``Prometheus`` one).
"""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import Component
from hearth.render.dashboard_gen import UID, component_dashboard_json
from hearth.resolve.endpoints import provider_endpoint
from hearth.resolve.records import Resolved

PROVIDER = "hearth"
PROVIDER_PATH = f"/var/lib/grafana/dashboards/{PROVIDER}"
PROMETHEUS_DATASOURCE = "Prometheus"
LOKI_DATASOURCE = "Loki"


def loki_datasource(resolved: Resolved) -> dict[str, Any] | None:
    """The Grafana data source of the ``logs`` provider, or None when the platform has none."""
    logs = provider_endpoint(resolved, "logs")
    if logs is None:
        return None
    url = f"http://{logs.host}.cluster.local:{logs.pod.service_port(logs.port)}"
    return {"name": LOKI_DATASOURCE, "type": "loki", "uid": "loki", "access": "proxy", "url": url}


def datasource_names(values: dict[str, Any]) -> set[str]:
    """The data sources Grafana gets from these kube-prometheus-stack values: the default one and the extra ones."""
    grafana = values.get("grafana", {})
    return {PROMETHEUS_DATASOURCE} | {d["name"] for d in grafana.get("additionalDataSources", [])}


def with_dashboards(resolved: Resolved, component: Component, values: dict[str, Any]) -> dict[str, Any]:
    """The ``metrics`` provider's values with the catalog's dashboards and Loki; others' values unchanged."""
    platform = resolved.catalog.platform
    loki = loki_datasource(resolved)
    if "metrics" not in component.capabilities() or not (platform.dashboards or loki):
        return values
    grafana = dict(values.get("grafana", {}))
    if platform.dashboards:
        grafana["dashboardProviders"] = {
            "dashboardproviders.yaml": {
                "apiVersion": 1,
                "providers": [
                    {
                        "name": PROVIDER,
                        "orgId": 1,
                        "folder": "Platform",
                        "type": "file",
                        "disableDeletion": True,
                        "editable": False,
                        "options": {"path": PROVIDER_PATH},
                    }
                ],
            }
        }
        grafana["dashboards"] = {
            PROVIDER: {
                **{
                    d.name: {"gnetId": d.gnet_id, "revision": d.revision, "datasource": d.datasource}
                    for d in platform.dashboards
                },
                UID: {"json": component_dashboard_json(resolved, PROMETHEUS_DATASOURCE)},
            }
        }
    if loki is not None:
        grafana["additionalDataSources"] = [*grafana.get("additionalDataSources", []), loki]
    return {**values, "grafana": grafana}
