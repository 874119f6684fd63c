"""Values for Velero's upstream chart (keys from charts/velero/values.yaml and values.schema.json of 12.1.0)."""

from __future__ import annotations

from typing import Any

from hearth.render.backup.storage import S3_REGION, VELERO_BUCKET
from hearth.render.backup.vault import agent_template, velero_secret_path
from hearth.render.backup.velero_pods import (
    NODE_AGENT_RESOURCES,
    SERVER_RESOURCES,
    VELERO,
    VELERO_IMAGE,
    resource_values,
    velero_namespace,
)
from hearth.render.defaults import restricted_container, restricted_pod
from hearth.render.secrets import INJECT, vault_address
from hearth.resolve import Endpoint, Resolved

# velero-plugin-for-aws README (release-1.14 branch): plugin v1.14.x is the one for Velero v1.18.x.
AWS_PLUGIN_IMAGE = "docker.io/velero/velero-plugin-for-aws:v1.14.0"
UNPRIVILEGED_UID = 65532


def velero_values(resolved: Resolved, s3: Endpoint) -> dict[str, Any]:
    """Values for the velero chart (keys from charts/velero/values.yaml of chart 12.1.0).

    ``credentials.useSecret: false`` keeps the chart from creating a Secret; the Vault agent renders the AWS
    credentials file into ``/vault/secrets/cloud`` instead, and ``AWS_SHARED_CREDENTIALS_FILE`` points the AWS
    plugin there (the chart only sets it for its own Secret). ``podAnnotations`` reach both the server and the
    node-agent pods. ``upgradeCRDs: false``: the chart's CRD upgrade hook job would need the API server from a
    pod no policy admits; the CRDs come from the chart's ``crds/`` on install.

    ``metrics.serviceMonitor.enabled: false``: hearth writes Velero's ServiceMonitor into ``velero-hearth`` (from
    the backup links), so the chart must not create a second one. Its ``podDisruptionBudget`` is off by default
    (and not in its values schema); hearth writes that too. ``resources`` and ``nodeAgent.resources`` are the
    defaults the chart documents, the same the stand-ins state.
    """
    ns = velero_namespace(resolved)
    path = velero_secret_path(ns)

    cloud = agent_template(
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
                "securityContext": restricted_container(),
                "volumeMounts": [{"mountPath": "/target", "name": "plugins"}],
            }
        ],
        "podAnnotations": {
            f"{INJECT}/agent-inject": "true",
            f"{INJECT}/role": VELERO,
            **vault_address(resolved),
            f"{INJECT}/agent-inject-secret-cloud": path,
            f"{INJECT}/agent-inject-template-cloud": cloud,
        },
        "podSecurityContext": restricted_pod(UNPRIVILEGED_UID, gid=UNPRIVILEGED_UID, fs_group=UNPRIVILEGED_UID),
        "containerSecurityContext": restricted_container(),
        "resources": resource_values(SERVER_RESOURCES),
        "upgradeCRDs": False,
        "metrics": {"enabled": True, "serviceMonitor": {"enabled": False}},
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
        "nodeAgent": {"resources": resource_values(NODE_AGENT_RESOURCES)},
    }
