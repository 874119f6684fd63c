"""What rendering produces: Kubernetes objects grouped by the chart they belong to, plus files.

Renderers return these objects; only ``hearth.render.package.write`` turns them into files, so every renderer stays a
plain function of the resolved platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Manifest = dict[str, Any]


@dataclass
class ChartRender:
    """One Helm chart hearth writes: a component's own chart, or the companion of an upstream chart.

    ``manifests`` go to ``templates/``, ``tests`` (Helm test hook pods) to ``templates/tests/``.
    """

    name: str
    component: str
    namespace: str
    version: str
    app_version: str
    description: str
    manifests: list[Manifest] = field(default_factory=list)
    tests: list[Manifest] = field(default_factory=list)


@dataclass
class UpstreamRelease:
    """An upstream chart release: pinned chart and the values hearth generates for it."""

    component: str
    namespace: str
    repo_name: str
    repo_url: str
    chart: str
    version: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class RenderedPlatform:
    """Everything ``hearth render`` writes, as objects.

    ``charts`` and ``upstream`` are keyed by component name; ``bootstrap`` by chart name: the charts a component's own
    release waits for because its pods cannot start without them (a listener certificate from the bootstrap CA,
    ``hearth.render.bootstrap_tls``; an upstream component's NetworkPolicies); ``cluster`` holds descriptions of
    what the cluster itself or upstream charts run (see docs/manifest-contract.md); ``files`` holds any other file
    by its path relative to the output directory (helmfile.yaml, Vault policies, Ansible inventory...).
    """

    charts: dict[str, ChartRender] = field(default_factory=dict)
    upstream: dict[str, UpstreamRelease] = field(default_factory=dict)
    bootstrap: dict[str, ChartRender] = field(default_factory=dict)
    cluster: dict[str, list[Manifest]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def component_manifests(self, component: str) -> list[Manifest]:
        """The manifests of every chart of ``component``: its own (or its upstream companion) and the charts
        released before it (``bootstrap``: its NetworkPolicies, a listener certificate)."""
        early = sorted((c for c in self.bootstrap.values() if c.component == component), key=lambda c: c.name)
        own = self.charts[component].manifests if component in self.charts else []
        return [*own, *(m for chart in early for m in chart.manifests)]

    def all_manifests(self) -> list[Manifest]:
        """Every manifest a cluster would receive from the charts (tests included), in a stable order."""
        out: list[Manifest] = []
        for name in sorted(self.charts):
            out += self.charts[name].manifests + self.charts[name].tests
        for name in sorted(self.bootstrap):
            out += self.bootstrap[name].manifests
        return out
