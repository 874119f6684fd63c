"""The facts ``hearth doctor`` checks against, as data with their sources: the tool minimums the project pins and
the end-of-life or unmaintained upstreams. Code matches catalog values against these rows; it never branches on
a component's name. A new deprecation is a row here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tool:
    """A command a stage runs, the version it needs at least, and how to ask it for its version."""

    stage: str
    name: str
    minimum: str
    version_args: tuple[str, ...]
    source: str


#: helm, kubectl and helmfile: the versions scripts/install-tools.sh pins (HELM_VERSION, KUBECTL_VERSION,
#: HELMFILE_VERSION; tests/doctor/test_doctor.py fails when they drift apart). ansible-core: kubespray v2.26
#: needs 2.16.4 <= ansible-core < 2.17 (catalog/defaults/platform.yaml, provisioning).
TOOLS: tuple[Tool, ...] = (
    Tool("deploy", "helm", "3.16.4", ("version", "--template", "{{.Version}}"), "scripts/install-tools.sh"),
    Tool("deploy", "kubectl", "1.28.3", ("version", "--client"), "scripts/install-tools.sh"),
    Tool("deploy", "helmfile", "0.166.0", ("--version",), "scripts/install-tools.sh"),
    Tool("provision", "ansible-playbook", "2.16.4", ("--version",), "kubespray v2.26.0 requirements (ansible-core)"),
    Tool("provision", "ansible-lint", "0.0.0", ("--version",), "any version: the roles are linted, none pinned"),
)


@dataclass(frozen=True)
class Deprecation:
    """An upstream that is end of life or unmaintained, the catalog values that name it, and the source."""

    what: str
    status: str
    images: tuple[str, ...]
    """image repositories (glob patterns) that are it"""
    charts: tuple[str, ...]
    """chart repositories (glob patterns) that are it"""
    tools: tuple[str, ...]
    """names a claim may give it (claims.yaml stated_tools values)"""
    advice: str
    source: str


DEPRECATIONS: tuple[Deprecation, ...] = (
    Deprecation(
        what="MinIO community edition",
        status="unmaintained: distributed as source only, no maintained image or chart",
        images=("*/minio/minio", "minio/minio", "*/bitnami/minio"),
        charts=("https://charts.min.io*",),
        tools=("minio",),
        advice="plan a move to a maintained S3 server (Garage, SeaweedFS, Ceph RGW)",
        source="https://github.com/minio/minio/blob/master/README.md (community edition: source only, 2025-10)",
    ),
    Deprecation(
        what="Promtail",
        status="end of life since 2026-03-02 (LTS ended 2026-02-28)",
        images=("*/grafana/promtail", "grafana/promtail"),
        charts=(),
        tools=("promtail",),
        advice="collect logs with Grafana Alloy (its migration tool converts a Promtail configuration)",
        source="https://grafana.com/docs/loki/latest/send-data/promtail/",
    ),
    Deprecation(
        what="Bitnami images and charts",
        status="since 2025-08-28 versioned images moved to docker.io/bitnamilegacy without updates; the free "
        "catalog keeps a subset under 'latest' only",
        images=("*/bitnami/*", "bitnami/*", "*/bitnamilegacy/*", "bitnamilegacy/*"),
        charts=("https://charts.bitnami.com/*", "oci://registry-1.docker.io/bitnamicharts*"),
        tools=(),
        advice="use the upstream project's own image and chart",
        source="https://github.com/bitnami/containers/issues/83267",
    ),
)
