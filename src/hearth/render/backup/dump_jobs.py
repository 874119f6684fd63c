"""The dump CronJob of a ``backup.method: dump`` component, in that component's chart.

The job's init container runs the protocol's dump tool (the capability's ``dump``, ``hearth.capabilities``) from the
component's own image into an emptyDir; a pinned aws-cli container then uploads the dump to the s3 provider and
prunes old runs. Credentials come from Vault through the agent injector (pre-populate only), never from a
Kubernetes Secret. The job is a pod of the component with flows of its own (``hearth.dumps``), so its
``hearth.dev/connects-to`` and its NetworkPolicy come from the same flows as every other pod's.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from hearth.catalog.models import Component
from hearth.contract import BACKUP_TARGET, RETENTION, RETENTION_RUNS
from hearth.dumps import DUMP_POD, DumpTarget, dump_job_labels, dump_target
from hearth.protocols import DUMP_CONFIG, DumpTool
from hearth.render.backup.storage import DUMP_BUCKET, S3_REGION, retention_terms
from hearth.render.backup.vault import agent_template, dump_secret_paths
from hearth.render.defaults import metadata, restricted_container, restricted_pod
from hearth.render.intent import intent_annotations
from hearth.render.model import Manifest
from hearth.render.secrets import INJECT, TOKEN_VOLUME, token_volume, vault_address
from hearth.resolve.endpoints import Endpoint, provider_endpoint

# amazon/aws-cli: the official AWS CLI v2 image, pinned; it uploads dumps with the S3 API.
from hearth.resolve.records import Resolved

UPLOADER_IMAGE = "docker.io/amazon/aws-cli:2.22.0"
UNPRIVILEGED_UID = 65532
CONFIG_FILE = "dump-config"
"""The agent secret whose file (``DUMP_CONFIG``) holds a dump tool's password, for tools that read it from a file."""


def _export(variable: str, field: str) -> str:
    """An agent template line ``export VARIABLE='<KV field>'`` that any value survives when the job sources it.

    Inside single quotes sh takes every character literally except ``'`` itself, which ``replaceAll`` rewrites to
    ``'\\''`` (close the quote, an escaped quote, reopen): a password with a quote no longer breaks the script.
    """
    return f"""export {variable}='{{{{ .Data.data.{field} | replaceAll "'" "'\\\\''" }}}}'"""


def _yaml_line(key: str, field: str) -> str:
    """An agent template line ``key: '<KV field>'``: a single-quoted YAML scalar, in which only ``'`` is special
    (written ``''``), so any password on one line parses back exactly (yaml.org/spec/1.2.2 7.3.2)."""
    return f"""{key}: '{{{{ .Data.data.{field} | replaceAll "'" "''" }}}}'"""


def _credential_annotations(tool: DumpTool, path: str) -> dict[str, str]:
    """The agent files of the dump tool's login: ``database`` (shell exports the script sources) and, for a tool
    that reads its password from a file, that file at ``DUMP_CONFIG``."""
    exports = [_export(tool.user_env, "username")]
    if tool.password_env is not None:
        exports.append(_export(tool.password_env, "password"))
    out = {
        f"{INJECT}/agent-inject-secret-database": path,
        f"{INJECT}/agent-inject-template-database": agent_template(path, exports),
    }
    if tool.config:
        name = PurePosixPath(DUMP_CONFIG).name
        out |= {
            f"{INJECT}/agent-inject-secret-{CONFIG_FILE}": path,
            f"{INJECT}/agent-inject-file-{CONFIG_FILE}": name,
            f"{INJECT}/agent-inject-template-{CONFIG_FILE}": agent_template(
                path, [_yaml_line(key, field) for key, field in tool.config]
            ),
        }
    return out


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


def _resources() -> dict[str, Any]:
    return {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}


def _mounts() -> list[dict[str, Any]]:
    return [{"name": "backup", "mountPath": "/backup"}, {"name": "tmp", "mountPath": "/tmp"}]


def _job_pod(
    component: Component, dump: DumpTarget, s3: Endpoint, intent: dict[str, str], vault: dict[str, str]
) -> dict[str, Any]:
    assert component.image is not None
    uid = component.security.run_as_user or UNPRIVILEGED_UID
    paths = dump_secret_paths(component, s3.component)
    tool = dump.tool
    annotations = {
        **intent,
        f"{INJECT}/agent-inject": "true",
        f"{INJECT}/agent-pre-populate-only": "true",
        f"{INJECT}/agent-init-first": "true",
        f"{INJECT}/role": f"{component.name}-backup",
        **vault,
        f"{INJECT}/agent-service-account-token-volume-name": TOKEN_VOLUME,
        **_credential_annotations(tool, paths["database"]),
        f"{INJECT}/agent-inject-secret-s3": paths["s3"],
        f"{INJECT}/agent-inject-template-s3": agent_template(
            paths["s3"],
            [_export("AWS_ACCESS_KEY_ID", "access_key_id"), _export("AWS_SECRET_ACCESS_KEY", "secret_access_key")],
        ),
    }
    dump_script = "set -eu\n. /vault/secrets/database\n" + tool.script.format(
        host=dump.host, port=dump.port.port, config=DUMP_CONFIG
    )
    return {
        "metadata": {"labels": dump_job_labels(component), "annotations": dict(sorted(annotations.items()))},
        "spec": {
            "serviceAccountName": f"{component.name}-backup",
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "restartPolicy": "Never",
            "securityContext": restricted_pod(uid, fs_group=uid),
            "initContainers": [
                {
                    "name": "dump",
                    "image": f"{component.image.repository}:{component.image.tag}",
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["/bin/sh", "-c", dump_script],
                    "env": [{"name": "HOME", "value": "/tmp"}],
                    "resources": _resources(),
                    "securityContext": restricted_container(),
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
                    "securityContext": restricted_container(),
                    "volumeMounts": _mounts(),
                }
            ],
            "volumes": [
                {"name": "backup", "emptyDir": {}},
                {"name": "tmp", "emptyDir": {}},
                token_volume(),
            ],
        },
    }


def render_dump_job(resolved: Resolved, component: Component) -> list[Manifest]:
    """The dump CronJob (and its ServiceAccount) of a ``backup.method: dump`` component.

    Empty when the component speaks no protocol with a known dump tool, or no s3 provider exists. The
    retention's first term is how many runs are kept; later weekly/monthly/yearly terms keep copies made on
    Sundays, the 1st of the month and the 1st of January. The whole policy is on the annotation
    ``hearth.dev/retention``. The pod's connects-to lists every link of the job (database, s3 and Vault).
    """
    dump, s3 = dump_target(resolved, component), provider_endpoint(resolved, "s3")
    pod = resolved.pods.get((component.name, DUMP_POD))
    if dump is None or s3 is None or pod is None or component.backup is None or component.image is None:
        return []
    assert component.backup.schedule is not None and component.backup.retention is not None
    name, ns = f"{component.name}-backup", component.namespace
    labels = dump_job_labels(component)
    first = retention_terms(component.backup.retention)[0]
    annotations = {
        RETENTION: component.backup.retention,
        RETENTION_RUNS: str(first[0]),
        BACKUP_TARGET: f"s3://{DUMP_BUCKET}/{ns}/{component.name}/",
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
                        "template": _job_pod(
                            component, dump, s3, intent_annotations(resolved, pod), vault_address(resolved)
                        ),
                    }
                },
            },
        },
    ]
