"""Backups: Velero for cluster state and volumes, and each database's own dump tool for dumps.

Velero is not a catalog component, but the seed's ``backup`` role installs it: it is an upstream release
(chart vmware-tanzu/velero 12.1.0, Velero v1.18.1) in the ``service`` namespace, storing in the component that
provides ``s3``. Its credentials come from Vault through the agent injector; no Kubernetes Secret holds them.

Where things go (the choice this module makes):

* cluster-wide Schedules (``platform.backups``) go into Velero's companion chart ``velero-hearth`` (keyed
  ``velero`` in ``RenderedPlatform.charts``), next to the NetworkPolicies of Velero's pods;
* a component's own Schedule (``backup.method: volume``) or dump CronJob (``backup.method: dump``) goes into
  that component's (companion) chart, so it comes and goes with the component. Schedules always live in
  Velero's namespace, which is the only one Velero watches.

Connections the resolved flows do not know (a dump job reaching its database, the s3 provider and Vault;
Velero reaching s3, Vault and the API server; Prometheus scraping Velero) are ``Link``s. Each link yields an
egress policy in the chart of its source and an ingress policy in the chart of its destination, so every pod's
policies stay in its own chart and NetworkPolicies, being additive, admit exactly these connections.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from hearth.catalog.models import BackupSchedule, Component, Port
from hearth.render.defaults import ANNOTATION, CHART_VERSION, SECCOMP, metadata
from hearth.render.model import ChartRender, Manifest, UpstreamRelease
from hearth.render.network import API_SERVER_PORT, NS_LABEL, POLICY_LABELS
from hearth.render.secrets import INJECT, TOKEN_VOLUME
from hearth.resolve import Endpoint, Pod, Resolved, pod_with_port, provider_endpoint, providers, standard_labels

VELERO = "velero"
VELERO_NAMESPACE = "service"
# Source: reference services.yaml velero; vmware-tanzu/helm-charts charts/velero/Chart.yaml (12.1.0, 1.18.1).
VELERO_CHART = {"repo_name": "vmware-tanzu", "repo_url": "https://vmware-tanzu.github.io/helm-charts"}
VELERO_CHART_VERSION = "12.1.0"
VELERO_IMAGE = {"repository": "docker.io/velero/velero", "tag": "v1.18.1"}
# velero-plugin-for-aws README (release-1.14 branch): plugin v1.14.x is the one for Velero v1.18.x.
AWS_PLUGIN_IMAGE = "docker.io/velero/velero-plugin-for-aws:v1.14.0"
VELERO_METRICS_PORT = 8085  # the chart's Service port http-monitoring, and the pods' metrics listener
VELERO_BUCKET = "velero"
DUMP_BUCKET = "backups"
S3_REGION = "minio"
# amazon/aws-cli: the official AWS CLI v2 image, pinned; it uploads dumps with the S3 API.
UPLOADER_IMAGE = "docker.io/amazon/aws-cli:2.22.0"
UNPRIVILEGED_UID = 65532
HOURS = {"h": 1, "d": 24, "w": 7 * 24, "m": 30 * 24, "y": 365 * 24}


# ------------------------------------------------------------------------------------------------ retention


def retention_terms(retention: str) -> list[tuple[int, str]]:
    """``"7d 4w 12m"`` -> ``[(7, "d"), (4, "w"), (12, "m")]``."""
    return [(int(term[:-1]), term[-1]) for term in retention.split()]


def velero_ttl(retention: str) -> str:
    """The longest term of a retention policy as a Velero TTL (``"7d 4w 12m"`` -> ``"8640h0m0s"``)."""
    return f"{max(count * HOURS[unit] for count, unit in retention_terms(retention))}h0m0s"


# --------------------------------------------------------------------------------------------- network links


@dataclass(frozen=True)
class Peer:
    """A pod a backup connection starts or ends at; ``chart`` is the component whose chart holds its policies."""

    name: str
    namespace: str
    labels: tuple[tuple[str, str], ...]
    chart: str
    api_server: bool = False


@dataclass(frozen=True)
class Link:
    """One connection backups need that the resolved flows do not have."""

    src: Peer
    dst: Peer
    port: int
    protocol: str


def _pod_peer(pod: Pod) -> Peer:
    stem = pod.component if pod.name == "main" else f"{pod.component}-{pod.name}"
    return Peer(stem, pod.namespace, tuple(sorted(pod.labels.items())), pod.component)


def _links_to(src: Peer, endpoints: list[tuple[Pod, int, str]]) -> list[Link]:
    return [Link(src, _pod_peer(pod), port, proto) for pod, port, proto in endpoints]


def _endpoint(found: Endpoint | None) -> list[tuple[Pod, int, str]]:
    return [] if found is None else [(found.pod, found.port.port, found.port.protocol)]


def backup_links(resolved: Resolved) -> list[Link]:
    """Every connection of dump jobs and Velero, with the pods at both ends."""
    links: list[Link] = []
    s3, vault = provider_endpoint(resolved, "s3"), provider_endpoint(resolved, "secrets")
    for name, component in sorted(resolved.catalog.components.items()):
        dump = dump_target(resolved, component)
        if dump is not None:
            job = Peer(f"{name}-dump", component.namespace, tuple(sorted(dump_job_labels(component).items())), name)
            links += _links_to(job, [(dump.pod, dump.port.port, dump.port.protocol), *_endpoint(s3), *_endpoint(vault)])
    if s3 is not None:
        ns = velero_namespace(resolved)
        for peer in velero_peers(ns):
            links += _links_to(peer, [*_endpoint(s3), *_endpoint(vault)])
        scraper = provider_endpoint(resolved, "metrics")
        if scraper is not None:
            links.append(Link(_pod_peer(scraper.pod), velero_peers(ns)[0], VELERO_METRICS_PORT, "TCP"))
    return links


def _peer_selector(peer: Peer) -> dict[str, Any]:
    return {
        "namespaceSelector": {"matchLabels": {NS_LABEL: peer.namespace}},
        "podSelector": {"matchLabels": dict(peer.labels)},
    }


def _grouped(links: list[Link], by: str) -> list[dict[str, Any]]:
    groups: dict[Peer, set[tuple[str, int]]] = defaultdict(set)
    for link in links:
        groups[getattr(link, by)].add((link.protocol, link.port))
    key = "to" if by == "dst" else "from"
    return [
        {key: [_peer_selector(peer)], "ports": [{"protocol": p, "port": n} for p, n in sorted(groups[peer])]}
        for peer in sorted(groups, key=lambda p: (p.namespace, p.name))
    ]


def _policy(name: str, peer: Peer, direction: str, rules: list[dict[str, Any]]) -> Manifest:
    labels = {**POLICY_LABELS, f"{ANNOTATION}/component": peer.chart}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(name, peer.namespace, labels),
        "spec": {
            "podSelector": {"matchLabels": dict(peer.labels)},
            "policyTypes": [direction],
            direction.lower(): rules,
        },
    }


def render_backup_policies(resolved: Resolved, chart_component: str) -> list[Manifest]:
    """The NetworkPolicies for backup links whose source or destination belongs to ``chart_component``'s chart."""
    links = backup_links(resolved)
    out: list[Manifest] = []
    sources = sorted({lk.src for lk in links if lk.src.chart == chart_component}, key=lambda p: p.name)
    for src in sources:
        rules = _grouped([lk for lk in links if lk.src == src], "dst")
        if src.api_server:
            cidrs = [{"ipBlock": {"cidr": f"{ip}/32"}} for ip in resolved.control_plane_ips()]
            rules.append({"to": cidrs, "ports": [{"protocol": "TCP", "port": API_SERVER_PORT}]})
        out.append(_policy(f"{src.name}-backup-egress", src, "Egress", rules))
    targets = sorted({lk.dst for lk in links if lk.dst.chart == chart_component}, key=lambda p: p.name)
    for dst in targets:
        rules = _grouped([lk for lk in links if lk.dst == dst], "src")
        out.append(_policy(f"{dst.name}-backup-ingress", dst, "Ingress", rules))
    return out


# ------------------------------------------------------------------------------------------------- dumps


@dataclass(frozen=True)
class DumpTool:
    """A protocol's own dump tool: which credentials it reads and the shell command that writes to /backup."""

    capability: str
    user_env: str
    password_env: str
    script: str
    ports: tuple[str, ...] = ()


# Each tool writes under /backup, connecting to {host}:{port} with the credentials the Vault agent rendered.
DUMP_TOOLS = {
    tool.capability: tool
    for tool in (
        DumpTool(
            "postgres",
            "PGUSER",
            "PGPASSWORD",
            "pg_dumpall --host={host} --port={port} --clean --if-exists --file=/backup/dump.sql",
        ),
        DumpTool(
            "mysql",
            "MYSQL_USER",
            "MYSQL_PWD",
            'mysqldump --host={host} --port={port} --user="$MYSQL_USER" --all-databases --single-transaction'
            " --routines --events --triggers --result-file=/backup/dump.sql",
        ),
        DumpTool(
            "mongodb",
            "MONGO_USERNAME",
            "MONGO_PASSWORD",
            'mongodump --host={host} --port={port} --username="$MONGO_USERNAME" --password="$MONGO_PASSWORD"'
            " --authenticationDatabase=admin --archive=/backup/dump.archive --gzip",
        ),
        DumpTool(
            "clickhouse",
            "CLICKHOUSE_USER",
            "CLICKHOUSE_PASSWORD",
            'ch() {{ clickhouse-client --host={host} --port={port} --user="$CLICKHOUSE_USER"'
            ' --password="$CLICKHOUSE_PASSWORD" "$@"; }}; '
            "ch --query=\"SELECT database || '.' || name FROM system.tables WHERE NOT is_temporary AND database"
            " NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')\" | while read -r t; do "
            'ch --query="SHOW CREATE TABLE $t FORMAT TSVRaw" > "/backup/$t.sql"; '
            'ch --query="SELECT * FROM $t FORMAT Native" > "/backup/$t.native"; done',
            ports=("native", "tcp"),
        ),
    )
}


@dataclass(frozen=True)
class DumpTarget:
    """What a dump job connects to: the tool for the component's protocol, and the pod and port it dumps."""

    tool: DumpTool
    pod: Pod
    port: Port

    @property
    def host(self) -> str:
        """The database Service's in-cluster name."""
        return f"{self.pod.service}.{self.pod.namespace}.svc"


def dump_target(resolved: Resolved, component: Component) -> DumpTarget | None:
    """The dump tool and endpoint of a ``backup.method: dump`` component, if it provides a known protocol."""
    if component.backup is None or component.backup.method != "dump":
        return None
    for provide in component.provides:
        tool = DUMP_TOOLS.get(provide.capability)
        if tool is None or provide.port is None:
            continue
        names = [n for n in tool.ports if any(p.name == n for p in component.ports)] + [provide.port]
        found = pod_with_port(resolved, component, names[0])
        if found is not None:
            return DumpTarget(tool, found[0], found[1])
    return None


def dump_job_labels(component: Component) -> dict[str, str]:
    """Labels of a component's dump job pods; distinct from the component's own so no Service selects them."""
    return {
        "app.kubernetes.io/name": f"{component.name}-backup",
        "app.kubernetes.io/instance": component.name,
        "app.kubernetes.io/component": "backup",
        "app.kubernetes.io/part-of": "hearth",
        "app.kubernetes.io/managed-by": "hearth",
    }


def dump_secret_paths(component: Component) -> dict[str, str]:
    """Vault KV entries the dump job reads: the database account it dumps with, and its S3 access key."""
    base = f"kv/data/{component.namespace}/{component.name}"
    return {"database": f"{base}/backup", "s3": f"{base}/backup-s3"}


def _template(path: str, lines: list[str]) -> str:
    body = "\n".join(lines)
    return f'{{{{- with secret "{path}" -}}}}\n{body}\n{{{{- end }}}}\n'


def _upload_script(component: Component, s3: Endpoint) -> str:
    assert component.backup is not None and component.backup.retention is not None
    terms = retention_terms(component.backup.retention)
    base = f"s3://{DUMP_BUCKET}/{component.namespace}/{component.name}"
    when = {"w": '[ "$(date -u +%u)" = 7 ]', "m": '[ "$(date -u +%d)" = 01 ]', "y": '[ "$(date -u +%m%d)" = 0101 ]'}
    tiers = {"h": "hourly", "d": "daily", "w": "weekly", "m": "monthly", "y": "yearly"}
    lines = [
        "set -eu",
        ". /vault/secrets/s3",
        f's3() {{ aws --endpoint-url http://{s3.host}:{s3.port.port} s3 "$@"; }}',
        'stamp="$(date -u +%Y%m%dT%H%M%SZ)"',
        "keep() { s3 ls \"$1/\" | awk '{print $2}' | sort -r | tail -n +$(($2 + 1)) | "
        'while read -r old; do s3 rm --recursive "$1/$old"; done; }',
    ]
    for index, (count, unit) in enumerate(terms):
        target = f"{base}/{tiers[unit]}"
        copy = f's3 cp --recursive /backup "{target}/$stamp/"'
        condition = when.get(unit) if index > 0 else None
        lines.append(f"if {condition}; then {copy}; fi" if condition else copy)
        lines.append(f'keep "{target}" {count}')
    return "\n".join(lines) + "\n"


def _container_security(uid: int) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": uid,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": dict(SECCOMP),
    }


def _resources() -> dict[str, Any]:
    return {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}


def _mounts() -> list[dict[str, Any]]:
    return [{"name": "backup", "mountPath": "/backup"}, {"name": "tmp", "mountPath": "/tmp"}]


def _job_pod(component: Component, dump: DumpTarget, s3: Endpoint) -> dict[str, Any]:
    assert component.image is not None
    uid = component.security.run_as_user or UNPRIVILEGED_UID
    paths = dump_secret_paths(component)
    tool = dump.tool
    annotations = {
        f"{ANNOTATION}/component": component.name,
        f"{ANNOTATION}/connects-to": ",".join(
            sorted(
                {
                    f"{dump.pod.namespace}/{dump.pod.service}:{dump.port.name}",
                    f"{s3.pod.namespace}/{s3.pod.service}:{s3.port.name}",
                }
            )
        ),
        f"{INJECT}/agent-inject": "true",
        f"{INJECT}/agent-pre-populate-only": "true",
        f"{INJECT}/agent-init-first": "true",
        f"{INJECT}/role": f"{component.name}-backup",
        f"{INJECT}/agent-service-account-token-volume-name": TOKEN_VOLUME,
        f"{INJECT}/agent-inject-secret-database": paths["database"],
        f"{INJECT}/agent-inject-template-database": _template(
            paths["database"],
            [
                f"export {tool.user_env}='{{{{ .Data.data.username }}}}'",
                f"export {tool.password_env}='{{{{ .Data.data.password }}}}'",
            ],
        ),
        f"{INJECT}/agent-inject-secret-s3": paths["s3"],
        f"{INJECT}/agent-inject-template-s3": _template(
            paths["s3"],
            [
                "export AWS_ACCESS_KEY_ID='{{ .Data.data.access_key_id }}'",
                "export AWS_SECRET_ACCESS_KEY='{{ .Data.data.secret_access_key }}'",
            ],
        ),
    }
    dump_script = "set -eu\n. /vault/secrets/database\n" + tool.script.format(host=dump.host, port=dump.port.port)
    return {
        "metadata": {"labels": dump_job_labels(component), "annotations": dict(sorted(annotations.items()))},
        "spec": {
            "serviceAccountName": f"{component.name}-backup",
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "restartPolicy": "Never",
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": uid,
                "fsGroup": uid,
                "seccompProfile": dict(SECCOMP),
            },
            "initContainers": [
                {
                    "name": "dump",
                    "image": f"{component.image.repository}:{component.image.tag}",
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["/bin/sh", "-c", dump_script],
                    "env": [{"name": "HOME", "value": "/tmp"}],
                    "resources": _resources(),
                    "securityContext": _container_security(uid),
                    "volumeMounts": _mounts(),
                }
            ],
            "containers": [
                {
                    "name": "upload",
                    "image": UPLOADER_IMAGE,
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["/bin/sh", "-c", _upload_script(component, s3)],
                    "env": [
                        {"name": "HOME", "value": "/tmp"},
                        {"name": "AWS_DEFAULT_REGION", "value": S3_REGION},
                        {"name": "AWS_EC2_METADATA_DISABLED", "value": "true"},
                    ],
                    "resources": _resources(),
                    "securityContext": _container_security(uid),
                    "volumeMounts": _mounts(),
                }
            ],
            "volumes": [
                {"name": "backup", "emptyDir": {}},
                {"name": "tmp", "emptyDir": {}},
                {
                    "name": TOKEN_VOLUME,
                    "projected": {
                        "sources": [
                            {"serviceAccountToken": {"path": "token", "audience": "vault", "expirationSeconds": 600}}
                        ]
                    },
                },
            ],
        },
    }


def render_dump_job(resolved: Resolved, component: Component) -> list[Manifest]:
    """The dump CronJob (and its ServiceAccount) of a ``backup.method: dump`` component.

    Empty when the component speaks no protocol with a known dump tool, or no s3 provider exists. The
    retention's first term is how many runs are kept; later weekly/monthly/yearly terms keep copies made on
    Sundays, the 1st of the month and the 1st of January. The whole policy is on the annotation
    ``hearth.dev/retention``.
    """
    dump, s3 = dump_target(resolved, component), provider_endpoint(resolved, "s3")
    if dump is None or s3 is None or component.backup is None or component.image is None:
        return []
    assert component.backup.schedule is not None and component.backup.retention is not None
    name, ns = f"{component.name}-backup", component.namespace
    labels = dump_job_labels(component)
    first = retention_terms(component.backup.retention)[0]
    annotations = {
        f"{ANNOTATION}/retention": component.backup.retention,
        f"{ANNOTATION}/retention-runs": str(first[0]),
        f"{ANNOTATION}/backup-target": f"s3://{DUMP_BUCKET}/{ns}/{component.name}/",
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata(name, ns, labels),
            "automountServiceAccountToken": False,
        },
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": metadata(name, ns, labels, annotations),
            "spec": {
                "schedule": component.backup.schedule,
                "concurrencyPolicy": "Forbid",
                "startingDeadlineSeconds": 3600,
                "successfulJobsHistoryLimit": 3,
                "failedJobsHistoryLimit": 3,
                "jobTemplate": {
                    "spec": {
                        "backoffLimit": 2,
                        "activeDeadlineSeconds": 6 * 3600,
                        "ttlSecondsAfterFinished": 24 * 3600,
                        "template": _job_pod(component, dump, s3),
                    }
                },
            },
        },
    ]


# ------------------------------------------------------------------------------------------- Velero Schedules


def velero_namespace(resolved: Resolved) -> str:
    """Velero's namespace: ``service`` as the seed has it, else the s3 provider's namespace."""
    if any(ns.name == VELERO_NAMESPACE for ns in resolved.catalog.platform.namespaces):
        return VELERO_NAMESPACE
    s3 = provider_endpoint(resolved, "s3")
    return s3.pod.namespace if s3 is not None else VELERO_NAMESPACE


def _schedule(name: str, namespace: str, labels: dict[str, str], cron: str, template: dict[str, Any]) -> Manifest:
    return {
        "apiVersion": "velero.io/v1",
        "kind": "Schedule",
        "metadata": metadata(name, namespace, labels),
        "spec": {
            "schedule": cron,
            "useOwnerReferencesInBackup": False,
            "template": {"storageLocation": "default", "snapshotVolumes": False, **template},
        },
    }


def render_volume_schedule(resolved: Resolved, component: Component) -> list[Manifest]:
    """A Velero Schedule for a ``backup.method: volume`` component: its pods, with file-system volume backup."""
    backup = component.backup
    pods = resolved.pods_of(component.name)
    if backup is None or backup.method != "volume" or not pods or provider_endpoint(resolved, "s3") is None:
        return []
    assert backup.schedule is not None and backup.retention is not None
    selectors = [{"matchLabels": dict(sorted(p.labels.items()))} for p in pods]
    template: dict[str, Any] = {
        "includedNamespaces": [component.namespace],
        "defaultVolumesToFsBackup": True,
        "ttl": velero_ttl(backup.retention),
    }
    if len(selectors) == 1:
        template["labelSelector"] = selectors[0]
    else:
        template["orLabelSelectors"] = selectors
    labels = {**standard_labels(component), f"{ANNOTATION}/component": component.name}
    ns = velero_namespace(resolved)
    return [_schedule(f"{component.name}-volumes", ns, labels, backup.schedule, template)]


def cluster_schedule(resolved: Resolved, row: BackupSchedule) -> Manifest:
    """A Velero Schedule for a row of ``platform.backups``: every managed namespace."""
    managed = [ns.name for ns in resolved.catalog.platform.namespaces if ns.managed]
    template = {
        "includedNamespaces": managed,
        "defaultVolumesToFsBackup": row.include_volumes,
        "ttl": velero_ttl(row.retention),
    }
    labels = {"app.kubernetes.io/part-of": "hearth", "app.kubernetes.io/managed-by": "hearth"}
    return _schedule(row.name, velero_namespace(resolved), labels, row.schedule, template)


def render_component_backup(resolved: Resolved, component: Component) -> list[Manifest]:
    """What a component's chart carries for its backup: a dump CronJob or a volume Schedule, and the policies."""
    return (
        render_dump_job(resolved, component)
        + render_volume_schedule(resolved, component)
        + render_backup_policies(resolved, component.name)
    )


# -------------------------------------------------------------------------------------------- Velero release

VELERO_SERVER_LABELS = {"name": "velero", "app.kubernetes.io/name": "velero", "app.kubernetes.io/instance": "velero"}
VELERO_AGENT_LABELS = {
    "name": "node-agent",
    "app.kubernetes.io/name": "velero",
    "app.kubernetes.io/instance": "velero",
}
NODE_AGENT_REASON = (
    "Velero's node-agent runs as root with hostPath /var/lib/kubelet/pods to read pod volumes for file-system "
    "backups (vmware-tanzu/helm-charts charts/velero values.yaml nodeAgent.podSecurityContext runAsUser 0)"
)


def velero_peers(namespace: str) -> list[Peer]:
    """Velero's server and node-agent pods, with the labels the chart's templates apply to them.

    Source: vmware-tanzu/helm-charts charts/velero/templates/deployment.yaml and node-agent-daemonset.yaml.
    """
    return [
        Peer(VELERO, namespace, tuple(sorted(VELERO_SERVER_LABELS.items())), VELERO, api_server=True),
        Peer("velero-node-agent", namespace, tuple(sorted(VELERO_AGENT_LABELS.items())), VELERO, api_server=True),
    ]


def velero_secret_path(namespace: str) -> str:
    """The Vault KV entry holding Velero's S3 access key."""
    return f"kv/data/{namespace}/{VELERO}/s3"


def velero_values(resolved: Resolved, s3: Endpoint) -> dict[str, Any]:
    """Values for the velero chart (keys from charts/velero/values.yaml of chart 12.1.0).

    ``credentials.useSecret: false`` keeps the chart from creating a Secret; the Vault agent renders the AWS
    credentials file into ``/vault/secrets/cloud`` instead, and ``AWS_SHARED_CREDENTIALS_FILE`` points the AWS
    plugin there (the chart only sets it for its own Secret). ``podAnnotations`` reach both the server and the
    node-agent pods. ``upgradeCRDs: false``: the chart's CRD upgrade hook job would need the API server from a
    pod no policy admits; the CRDs come from the chart's ``crds/`` on install.
    """
    ns = velero_namespace(resolved)
    path = velero_secret_path(ns)

    def restricted() -> dict[str, Any]:
        return {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": dict(SECCOMP),
        }

    cloud = _template(
        path,
        [
            "[default]",
            "aws_access_key_id={{ .Data.data.access_key_id }}",
            "aws_secret_access_key={{ .Data.data.secret_access_key }}",
        ],
    )
    return {
        "image": {**VELERO_IMAGE, "pullPolicy": "IfNotPresent"},
        "initContainers": [
            {
                "name": "velero-plugin-for-aws",
                "image": AWS_PLUGIN_IMAGE,
                "imagePullPolicy": "IfNotPresent",
                "securityContext": restricted(),
                "volumeMounts": [{"mountPath": "/target", "name": "plugins"}],
            }
        ],
        "podAnnotations": {
            f"{INJECT}/agent-inject": "true",
            f"{INJECT}/role": VELERO,
            f"{INJECT}/agent-inject-secret-cloud": path,
            f"{INJECT}/agent-inject-template-cloud": cloud,
        },
        "podSecurityContext": {
            "runAsNonRoot": True,
            "runAsUser": UNPRIVILEGED_UID,
            "runAsGroup": UNPRIVILEGED_UID,
            "fsGroup": UNPRIVILEGED_UID,
            "seccompProfile": dict(SECCOMP),
        },
        "containerSecurityContext": restricted(),
        # Velero's install defaults are 500m/128Mi requests; this cluster has 12 cores, so less is reserved.
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "upgradeCRDs": False,
        "metrics": {"enabled": True, "serviceMonitor": {"enabled": provider_endpoint(resolved, "metrics") is not None}},
        "configuration": {
            "backupStorageLocation": [
                {
                    "name": "default",
                    "provider": "aws",
                    "bucket": VELERO_BUCKET,
                    "default": True,
                    "config": {
                        "region": S3_REGION,
                        "s3ForcePathStyle": "true",
                        "s3Url": f"http://{s3.host}:{s3.port.port}",
                    },
                }
            ],
            "uploaderType": "kopia",
            "extraEnvVars": [{"name": "AWS_SHARED_CREDENTIALS_FILE", "value": "/vault/secrets/cloud"}],
        },
        "credentials": {"useSecret": False},
        "serviceAccount": {"server": {"create": True, "name": VELERO}},
        "snapshotsEnabled": False,
        "deployNodeAgent": True,
        "nodeAgent": {
            "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
        },
    }


def _stand_ins(namespace: str, s3: Endpoint, vault: Endpoint | None) -> list[Manifest]:
    stand_in = f"pod created by upstream chart velero {VELERO_CHART_VERSION}"
    targets = [f"{s3.pod.namespace}/{s3.pod.service}:{s3.port.name}"]
    if vault is not None:
        targets.append(f"{vault.pod.namespace}/{vault.pod.service}:{vault.port.name}")
    out: list[Manifest] = []
    for peer, kind in zip(velero_peers(namespace), ("Deployment", "DaemonSet"), strict=True):
        annotations = {
            f"{ANNOTATION}/stand-in": stand_in,
            f"{ANNOTATION}/component": VELERO,
            f"{ANNOTATION}/workload-kind": kind,
            f"{ANNOTATION}/connects-to": ",".join(sorted(targets)),
        }
        container = {
            "name": peer.name,
            "image": f"{VELERO_IMAGE['repository']}:{VELERO_IMAGE['tag']}",
            "ports": [{"name": "http-monitoring", "containerPort": VELERO_METRICS_PORT, "protocol": "TCP"}],
        }
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": metadata(peer.name, namespace, dict(peer.labels), annotations),
        }
        pod["spec"] = {"containers": [container]}
        out.append(pod)
    server = dict(velero_peers(namespace)[0].labels)
    out.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata(VELERO, namespace, server, {f"{ANNOTATION}/stand-in": stand_in}),
            "spec": {
                "selector": server,
                "ports": [
                    {
                        "name": "http-monitoring",
                        "port": VELERO_METRICS_PORT,
                        "targetPort": "http-monitoring",
                        "protocol": "TCP",
                    }
                ],
            },
        }
    )
    return out


def _vault_files(name: str, namespace: str, paths: list[str], audience: str | None) -> dict[str, str]:
    policy = [f"# Vault policy for {namespace}/{name}, rendered by hearth."]
    for path in paths:
        policy += [f'path "{path}" {{', '  capabilities = ["read"]', "}", ""]
    role: dict[str, Any] = {
        "name": name,
        "bound_service_account_names": [name],
        "bound_service_account_namespaces": [namespace],
        "token_policies": [name],
        "token_ttl": "1h",
    }
    if audience is not None:
        role["audience"] = audience
    return {
        f"vault/policies/{name}.hcl": "\n".join(policy).rstrip() + "\n",
        f"vault/roles/{name}.json": json.dumps(role, indent=2, sort_keys=True) + "\n",
    }


@dataclass
class VeleroRender:
    """Velero's upstream release, its companion chart, stand-ins and Vault files."""

    release: UpstreamRelease
    chart: ChartRender
    stand_ins: list[Manifest]
    files: dict[str, str]


def render_velero(resolved: Resolved) -> VeleroRender | None:
    """Velero for the platform, or None when no component provides ``s3`` to store backups in."""
    s3 = provider_endpoint(resolved, "s3")
    if s3 is None:
        return None
    ns = velero_namespace(resolved)
    release = UpstreamRelease(
        component=VELERO,
        namespace=ns,
        repo_name=VELERO_CHART["repo_name"],
        repo_url=VELERO_CHART["repo_url"],
        chart=VELERO,
        version=VELERO_CHART_VERSION,
        values=velero_values(resolved, s3),
        needs=sorted({c.name for cap in ("namespaces", "s3", "secrets") for c in providers(resolved, cap)}),
        crd_groups=["velero.io"],
    )
    chart = ChartRender(
        name=f"{VELERO}-hearth",
        component=VELERO,
        namespace=ns,
        version=CHART_VERSION,
        app_version=VELERO_IMAGE["tag"],
        description="Velero: the platform's backup Schedules and the policies of Velero's pods",
        manifests=[cluster_schedule(resolved, row) for row in resolved.catalog.platform.backups]
        + render_backup_policies(resolved, VELERO),
    )
    files = _vault_files(VELERO, ns, [velero_secret_path(ns)], None)
    for _, component in sorted(resolved.catalog.components.items()):
        if dump_target(resolved, component) is not None:
            files.update(
                _vault_files(
                    f"{component.name}-backup",
                    component.namespace,
                    list(dump_secret_paths(component).values()),
                    "vault",
                )
            )
    return VeleroRender(release, chart, _stand_ins(ns, s3, provider_endpoint(resolved, "secrets")), files)


def allow_node_agent(namespaces: list[Manifest], namespace: str) -> list[Manifest]:
    """The Namespace objects with Velero's namespace enforcing ``privileged``, the node-agent's stated need."""
    out = []
    for manifest in namespaces:
        if manifest.get("kind") == "Namespace" and manifest["metadata"]["name"] == namespace:
            meta = dict(manifest["metadata"])
            meta["labels"] = {**meta["labels"], "pod-security.kubernetes.io/enforce": "privileged"}
            meta["annotations"] = dict(
                sorted({**meta.get("annotations", {}), f"{ANNOTATION}/exception-privileged": NODE_AGENT_REASON}.items())
            )
            manifest = {**manifest, "metadata": meta}
        out.append(manifest)
    return out
