"""S3 grants (``bucket``): per consumer a bucket and a user whose policy reaches that bucket only, with the backups
buckets (Velero's and the dumps') that ``grants/<provider>.json`` lists beside the consumers.

Two steps per provider of a ``bucket`` grant, reading before they write, as the operator's admin login
(``Operator.admin``: ``username`` the access key id, ``password`` the secret):

* ``<provider>-buckets``: every bucket named by a grant, created (``PUT /<bucket>``) when ``HEAD`` does not find it,
  with the S3 API every server speaks (``server``);
* ``<provider>-bucket-users``: per grant a user named after the consumer, a policy allowing object reads, writes
  and listing on its bucket only, and its keys in the consumer's KV entry (``access_key_id``,
  ``secret_access_key``, ``bucket``), through the API the grants file's ``user_api`` names (the provider's
  ``provides`` entry in the catalog): ``iam``, the AWS IAM API on the S3 port that SeaweedFS and Ceph RGW serve
  (``iam``), or ``minio-admin``, MinIO's admin API (``minio_admin``).

Keys travel only in signed request headers, (encrypted) bodies and Vault writes, never in argv or a report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hearth.bootstrap.model import Change, FuncStep, Step, StepError
from hearth.bootstrap.operator import Operator
from hearth.bootstrap.s3.iam import POLICY_NAME, iam_users_step
from hearth.bootstrap.s3.minio_admin import minio_users_step
from hearth.bootstrap.s3.server import S3Server, bucket_policy, buckets_step, canonical_policy
from hearth.bootstrap.vault import Vault

__all__ = ["POLICY_NAME", "USERS_STEPS", "S3Server", "bucket_policy", "canonical_policy", "s3_steps"]

USERS_STEPS: dict[str, Callable[[Vault, dict[str, Any], Operator], Step]] = {
    "iam": iam_users_step,
    "minio-admin": minio_users_step,
}
"""The users step of each ``user_api`` (``hearth.capabilities.UserApi``)."""


def s3_steps(vault: Vault, grants: dict[str, dict[str, Any]], operator: Operator) -> list[Step]:
    """The two steps of every ``bucket`` provider in the build."""
    steps: list[Step] = []
    for _, spec in sorted(grants.items()):
        if spec.get("grant") == "bucket":
            steps += [buckets_step(spec, operator), bucket_users_step(vault, spec, operator)]
    return steps


def bucket_users_step(vault: Vault, spec: dict[str, Any], operator: Operator) -> Step:
    """The users step of ``spec``'s provider, through its ``user_api``; one that fails saying so if the grants file
    names none this bootstrap speaks (a build rendered before ``user_api`` existed)."""
    api = spec.get("user_api")
    make = USERS_STEPS.get(api) if isinstance(api, str) else None
    if make is not None:
        return make(vault, spec, operator)
    provider = str(spec["provider"])
    known = ", ".join(USERS_STEPS)

    def read() -> list[Change]:
        raise StepError(f"grants/{provider}.json: user_api {api!r} is not one of {known}; run `hearth render` again")

    return FuncStep(f"{provider}-bucket-users", f"users on {provider}", read)
