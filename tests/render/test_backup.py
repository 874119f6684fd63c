"""Rules of the backup modules: Velero release and Schedules, dump CronJobs and their flows, retention."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hearth.capabilities import CAPABILITIES
from hearth.dumps import DUMP_POD, dump_target
from hearth.render.backup.storage import retention_terms, velero_ttl
from hearth.render.model import Manifest, RenderedPlatform
from hearth.resolve.records import Resolved

# Top-level keys of charts/velero/values.yaml in chart 12.1.0 (vmware-tanzu/helm-charts, values.schema.json).
VELERO_VALUE_KEYS = {
    "namespace", "image", "nameOverride", "fullnameOverride", "annotations", "secretAnnotations", "labels",
    "podAnnotations", "podLabels", "resources", "upgradeJobResources", "upgradeCRDsJob", "dnsPolicy",
    "initContainers", "podSecurityContext", "containerSecurityContext", "lifecycle", "priorityClassName",
    "runtimeClassName", "terminationGracePeriodSeconds", "livenessProbe", "readinessProbe", "tolerations",
    "affinity", "nodeSelector", "dnsConfig", "extraVolumes", "extraVolumeMounts", "extraObjects", "metrics",
    "kubectl", "upgradeCRDs", "cleanUpCRDs", "configuration", "rbac", "serviceAccount", "credentials",
    "backupsEnabled", "snapshotsEnabled", "deployNodeAgent", "nodeAgent", "schedules", "configMaps",
}  # fmt: skip


def _all(platform: RenderedPlatform, kind: str) -> list[tuple[str, Manifest]]:
    return [(n, m) for n, c in platform.charts.items() for m in c.manifests if m["kind"] == kind]


@pytest.mark.parametrize(
    ("retention", "ttl", "terms"),
    [
        ("7d", "168h0m0s", [(7, "d")]),
        ("7d 4w 12m", "8640h0m0s", [(7, "d"), (4, "w"), (12, "m")]),
        ("365d", "8760h0m0s", [(365, "d")]),
        ("24h 2y", "17520h0m0s", [(24, "h"), (2, "y")]),
    ],
)
def test_retention_longest_term_is_the_velero_ttl(retention: str, ttl: str, terms: list[tuple[int, str]]) -> None:
    """Months count 30 days and years 365; the TTL is the longest term."""
    assert velero_ttl(retention) == ttl
    assert retention_terms(retention) == terms


def test_a_schedule_for_each_volume_backup_and_each_platform_row(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """Per-component Schedules in the component's chart, cluster-wide ones in velero's; all in Velero's namespace."""
    resolved, platform = resolved_cases["data"], rendered_cases["data"]
    schedules = _all(platform, "Schedule")
    volume = {n for n, c in resolved.catalog.components.items() if c.backup and c.backup.method == "volume"}
    assert {n for n, m in schedules if n != "velero"} == volume == {"notes", "vault"}
    assert {m["metadata"]["name"] for n, m in schedules if n == "velero"} == {"kubernetes-state", "weekly-full"}
    assert {m["metadata"]["namespace"] for _, m in schedules} == {"service"}
    notes = next(m for n, m in schedules if n == "notes")["spec"]
    assert notes["schedule"] == "30 2 * * *"
    assert notes["template"]["includedNamespaces"] == ["apps"]
    assert notes["template"]["labelSelector"] == {
        "matchLabels": {"app.kubernetes.io/instance": "notes", "app.kubernetes.io/name": "notes"}
    }
    assert notes["template"]["defaultVolumesToFsBackup"] is True
    assert notes["template"]["ttl"] == "1344h0m0s"
    weekly = next(m for n, m in schedules if m["metadata"]["name"] == "weekly-full")["spec"]["template"]
    assert weekly["includedNamespaces"] == ["service", "db", "apps"]
    assert weekly["defaultVolumesToFsBackup"] is True and weekly["ttl"] == "720h0m0s"
    state = next(m for n, m in schedules if m["metadata"]["name"] == "kubernetes-state")["spec"]["template"]
    assert state["defaultVolumesToFsBackup"] is False


def test_a_dump_cronjob_for_each_dump_backup_with_its_protocols_tool(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """pg_dumpall and mongodump from the database's own image, uploaded by a pinned aws-cli, credentials from Vault."""
    resolved, platform = resolved_cases["data"], rendered_cases["data"]
    jobs = dict(_all(platform, "CronJob"))
    dumps = {n for n, c in resolved.catalog.components.items() if c.backup and c.backup.method == "dump"}
    assert set(jobs) == dumps == {"postgres", "mongodb"}
    postgres = jobs["postgres"]
    assert postgres["metadata"]["annotations"]["hearth.dev/retention"] == "7d 4w 12m"
    assert postgres["metadata"]["annotations"]["hearth.dev/retention-runs"] == "7"
    pod = postgres["spec"]["jobTemplate"]["spec"]["template"]
    (dump,) = pod["spec"]["initContainers"]
    assert dump["image"] == "docker.io/library/postgres:18.6"
    assert "pg_dumpall --host=postgres.db.svc --port=5432" in dump["command"][2]
    (upload,) = pod["spec"]["containers"]
    assert upload["image"].startswith("docker.io/amazon/aws-cli:2.")
    script = upload["command"][2]
    assert 'keep "s3://backups/db/postgres/daily" 7' in script
    assert (
        'keep "s3://backups/db/postgres/weekly" 4' in script and 'keep "s3://backups/db/postgres/monthly" 12' in script
    )
    assert "--endpoint-url http://minio.db.svc:9000" in script
    annotations = pod["metadata"]["annotations"]
    assert annotations["vault.hashicorp.com/agent-pre-populate-only"] == "true"
    assert annotations["vault.hashicorp.com/agent-init-first"] == "true"
    assert "export PGPASSWORD=" in annotations["vault.hashicorp.com/agent-inject-template-database"]
    assert annotations["hearth.dev/connects-to"] == "db/minio:api,db/postgres:postgres,service/vault:http"
    mongo = jobs["mongodb"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["initContainers"][0]
    assert "mongodump --host=mongodb.db.svc --port=27017" in mongo["command"][2] and "--archive" in mongo["command"][2]
    for container in [dump, upload]:
        ctx = container["securityContext"]
        assert ctx["allowPrivilegeEscalation"] is False and ctx["readOnlyRootFilesystem"] is True
        assert ctx["capabilities"] == {"drop": ["ALL"]} and ctx["seccompProfile"] == {"type": "RuntimeDefault"}
        assert set(container["resources"]) == {"requests", "limits"}
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True, "the containers inherit non-root from the pod"
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert not [m for c in platform.charts.values() for m in c.manifests if m["kind"] == "Secret"]


def test_dump_tools_cover_the_databases_the_seed_dumps() -> None:
    """postgres, mysql, mongodb and clickhouse each have their own tool, on their capability's row."""
    tools = {name: spec.dump for name, spec in CAPABILITIES.items() if spec.dump is not None}
    assert set(tools) == {"postgres", "mysql", "mongodb", "clickhouse"}
    assert "mysqldump" in tools["mysql"].script and "--all-databases" in tools["mysql"].script
    assert "clickhouse-client" in tools["clickhouse"].script


def test_no_dump_without_a_known_protocol(resolved_cases: dict[str, Resolved]) -> None:
    """A component that dumps but speaks no protocol with a dump tool gets no CronJob (nothing to run)."""
    resolved = resolved_cases["data"]
    notes = resolved.component("notes")
    dumping = notes.model_copy(update={"backup": resolved.component("postgres").backup})
    assert dump_target(resolved, dumping) is None


def _admits(policies: list[Manifest], selected: dict[str, str], key: str, peer: dict[str, str], port: Any) -> bool:
    """Some policy selecting ``selected`` has a rule for ``port`` naming ``peer`` under ``key`` (to/from)."""
    direction = "egress" if key == "to" else "ingress"
    return any(
        policy["spec"]["podSelector"]["matchLabels"] == selected
        and any(
            port in rule["ports"] and any(q["podSelector"]["matchLabels"] == peer for q in rule[key])
            for rule in policy["spec"].get(direction, [])
        )
        for policy in policies
    )


def test_dump_jobs_are_pods_whose_flows_are_admitted_at_both_ends(
    rendered_cases: dict[str, RenderedPlatform], resolved_cases: dict[str, Resolved]
) -> None:
    """Each dump job is a pod of its component with flows to the database, s3 and Vault, and each flow has an
    egress rule in the job's chart and an ingress rule in the destination's: rendered like every other pod's."""
    resolved, platform = resolved_cases["data"], rendered_cases["data"]
    jobs = [p for p in resolved.pods.values() if p.name == DUMP_POD]
    assert {p.component for p in jobs} == {"postgres", "mongodb"}
    for job in jobs:
        flows = resolved.egress_of(job.key)
        assert {f.dst[0] for f in flows} == {job.component, "minio", "vault"}, job.key
        for flow in flows:
            dst = resolved.pods[flow.dst]
            port = {"protocol": flow.port.protocol, "port": flow.port.port}
            src_policies = [m for m in platform.component_manifests(job.component) if m["kind"] == "NetworkPolicy"]
            dst_policies = [m for m in platform.component_manifests(dst.component) if m["kind"] == "NetworkPolicy"]
            assert _admits(src_policies, job.labels, "to", dst.labels, port), flow
            assert _admits(dst_policies, dst.labels, "from", job.labels, port), flow
    # A job pod has a policy and intent, but is not a workload: no Service, budget or stand-in takes it.
    assert DUMP_POD not in {p.name for p in resolved.pods_of("postgres")}
    assert DUMP_POD in {p.name for p in resolved.pods_of("postgres", jobs=True)}


def test_velero_release_values_use_keys_the_chart_knows(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """Chart 12.1.0, image v1.18.1, BSL on the s3 provider, aws plugin, node-agent, no Secret, Vault annotations."""
    platform = rendered_cases["data"]
    release = platform.upstream["velero"]
    assert (release.repo_url, release.chart, release.version, release.namespace) == (
        "https://vmware-tanzu.github.io/helm-charts", "velero", "12.1.0", "service"
    )  # fmt: skip
    values = release.values
    assert set(values) <= VELERO_VALUE_KEYS
    assert values["image"]["tag"] == "v1.18.1"
    (location,) = values["configuration"]["backupStorageLocation"]
    assert location["bucket"] == "velero" and location["provider"] == "aws"
    assert location["config"] == {"region": "minio", "s3ForcePathStyle": "true", "s3Url": "http://minio.db.svc:9000"}
    assert values["initContainers"][0]["image"].startswith("docker.io/velero/velero-plugin-for-aws:v1.14.")
    assert values["deployNodeAgent"] is True
    assert values["credentials"] == {"useSecret": False}
    annotations = values["podAnnotations"]
    assert annotations["vault.hashicorp.com/role"] == "velero"
    # The agent logs in with a projected token of audience vault, the audience Velero's role binds.
    volume = annotations["vault.hashicorp.com/agent-service-account-token-volume-name"]
    assert [v["name"] for v in values["extraVolumes"]] == [v["name"] for v in values["nodeAgent"]["extraVolumes"]]
    assert values["extraVolumes"][0]["name"] == volume
    assert values["extraVolumes"][0]["projected"]["sources"][0]["serviceAccountToken"]["audience"] == "vault"
    role = json.loads(platform.files["vault/roles/velero.json"])
    assert role["bound_service_account_names"] == ["velero"] and role["audience"] == "vault"
    assert annotations["vault.hashicorp.com/agent-inject-secret-s3"] in platform.files["vault/policies/velero.hcl"]
    assert "velero" not in rendered_cases["web"].upstream  # the web case has no Velero


def test_velero_namespace_enforces_privileged_with_the_reason(rendered_cases: dict[str, RenderedPlatform]) -> None:
    """The node-agent needs hostPath and root, so Velero's namespace is labelled privileged, and says why."""
    namespaces = {m["metadata"]["name"]: m for _, m in _all(rendered_cases["data"], "Namespace")}
    service = namespaces["service"]["metadata"]
    assert service["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert "node-agent" in service["annotations"]["hearth.dev/exception-privileged"]
    assert namespaces["db"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_platform_wires_velero_in(rendered_cases: dict[str, RenderedPlatform]) -> None:
    """Velero, a catalog component, gets what every upstream chart gets: release, companion chart, stand-ins."""
    platform = rendered_cases["data"]
    assert platform.upstream["velero"].chart == "velero"
    assert platform.charts["velero"].name == "velero-hearth"
    pods = {m["metadata"]["name"] for m in platform.cluster["upstream/velero"] if m["kind"] == "Pod"}
    assert pods == {"velero", "velero-node-agent"}
    assert {"vault/policies/velero.hcl", "vault/policies/postgres-backup.hcl"} <= set(platform.files)
