"""Velero's upstream chart receives its wiring from the capabilities: the s3 provider it stores in, Vault.

Velero is a catalog component (``defaults/services/service/velero.yaml``, providing ``backups``) rendered like any
other upstream chart; its catalog values hold what is fixed, and :func:`with_backup_store` adds what follows from
the platform (keys from vmware-tanzu/helm-charts charts/velero/values.yaml and values.schema.json of 12.1.0):

* the backup storage location at the s3 provider's Service, in the bucket and region of ``storage``;
* the AWS plugin as an init container (velero-plugin-for-aws README, release-1.14: v1.14.x is for Velero v1.18);
* Vault: ``credentials.useSecret: false`` (catalog) keeps the chart from creating a Secret; the Vault agent renders
  the AWS credentials file into ``/vault/secrets/s3`` from Velero's ``bucket`` grant, and
  ``AWS_SHARED_CREDENTIALS_FILE`` points the plugin there. ``podAnnotations`` reach both the server and the
  node-agent; the agent authenticates with a projected token of audience ``vault`` (``extraVolumes``), the
  audience every hearth Vault role binds.
"""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import Component
from hearth.render.backup.storage import S3_REGION, VELERO_BUCKET
from hearth.render.backup.vault import agent_template
from hearth.render.defaults import restricted_container, restricted_pod
from hearth.render.secrets import INJECT, TOKEN_VOLUME, secret_paths, token_volume, vault_address
from hearth.resolve.endpoints import provider_endpoint
from hearth.resolve.records import Resolved

AWS_PLUGIN_IMAGE = "docker.io/velero/velero-plugin-for-aws:v1.14.0"
UNPRIVILEGED_UID = 65532
CREDENTIALS_FILE = "s3"


def with_backup_store(resolved: Resolved, component: Component, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` of a ``backups`` provider's chart with the s3 location and Vault wiring added (module docstring).

    Values of other components, and of a backups provider when nothing provides ``s3``, are returned unchanged.
    """
    s3 = provider_endpoint(resolved, "s3")
    path = secret_paths(resolved, component).get(CREDENTIALS_FILE)
    if "backups" not in component.capabilities() or s3 is None:
        return values
    annotations: dict[str, str] = {}
    if path is not None:
        cloud = agent_template(
            path,
            [
                "[default]",
                "aws_access_key_id={{ .Data.data.access_key_id }}",
                "aws_secret_access_key={{ .Data.data.secret_access_key }}",
            ],
        )
        annotations = {
            f"{INJECT}/agent-inject": "true",
            f"{INJECT}/role": component.name,
            **vault_address(resolved),
            f"{INJECT}/agent-service-account-token-volume-name": TOKEN_VOLUME,
            f"{INJECT}/agent-inject-secret-{CREDENTIALS_FILE}": path,
            f"{INJECT}/agent-inject-template-{CREDENTIALS_FILE}": cloud,
        }
    configuration = dict(values.get("configuration", {}))
    configuration |= {
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
        "extraEnvVars": [{"name": "AWS_SHARED_CREDENTIALS_FILE", "value": f"/vault/secrets/{CREDENTIALS_FILE}"}],
    }
    node_agent = dict(values.get("nodeAgent", {}))
    wired: dict[str, Any] = {
        **values,
        "initContainers": [
            {
                "name": "velero-plugin-for-aws",
                "image": AWS_PLUGIN_IMAGE,
                "imagePullPolicy": "IfNotPresent",
                "securityContext": restricted_container(),
                "volumeMounts": [{"mountPath": "/target", "name": "plugins"}],
            }
        ],
        "podSecurityContext": restricted_pod(UNPRIVILEGED_UID, gid=UNPRIVILEGED_UID, fs_group=UNPRIVILEGED_UID),
        "containerSecurityContext": restricted_container(),
        "configuration": configuration,
    }
    if annotations:
        wired["podAnnotations"] = {**values.get("podAnnotations", {}), **annotations}
        wired["extraVolumes"] = [token_volume()]
        wired["nodeAgent"] = {**node_agent, "extraVolumes": [token_volume()]}
    return wired
