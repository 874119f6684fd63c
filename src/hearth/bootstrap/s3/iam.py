"""The users step of a provider whose ``user_api`` is ``iam``: the AWS IAM API served on the S3 port, as SeaweedFS
(with ``-s3.iam.readOnly=false``) and Ceph RGW serve it (docs.aws.amazon.com/IAM/latest/APIReference:
``GetUser``/``CreateUser``, ``GetUserPolicy``/``PutUserPolicy``, ``ListAccessKeys``/``CreateAccessKey``/
``DeleteAccessKey``).

Per grant a user named after the consumer, its inline policy ``hearth-bucket`` (``bucket_policy``) and one access
key, which the server generates and the bootstrap writes straight into the consumer's KV entry. The key in Vault
is kept while the server lists it for the user and accepts its signature; any other key of the user is removed, so
Vault's is the only one.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from hearth.bootstrap.model import Change, FuncStep, Step, StepError
from hearth.bootstrap.operator import Operator, kv_read, strip_kv
from hearth.bootstrap.s3.server import S3Server, accepted, admin_server, bucket_policy, canonical_policy, code, find
from hearth.bootstrap.vault import KV_MOUNT, Vault

POLICY_NAME = "hearth-bucket"


def iam_users_step(vault: Vault, spec: dict[str, Any], operator: Operator) -> Step:
    """A user per grant of ``spec``, reaching its bucket only; its access key in the grant's KV entry."""
    provider, consumers = str(spec["provider"]), list(spec["consumers"])

    def read() -> list[Change]:
        server = admin_server(spec, operator)
        changes: list[Change] = []
        for consumer in consumers:
            user, bucket, secret = str(consumer["consumer"]), str(consumer["name"]), str(consumer["secret"])
            changes += _user_changes(vault, server, user, bucket, strip_kv(secret))
        return changes

    summary = f"{len(consumers)} users on {provider} through the IAM API, each reaching its own bucket"
    return FuncStep(f"{provider}-bucket-users", summary, read)


def _user_changes(vault: Vault, server: S3Server, user: str, bucket: str, secret: str) -> list[Change]:
    changes: list[Change] = []
    status, reply = server.iam("GetUser", UserName=user)
    exists = status == 200
    if not exists and code(reply) != "NoSuchEntity":
        raise StepError(f"IAM GetUser {user} at {server.endpoint}: HTTP {status} {code(reply)}".rstrip())
    if not exists:
        changes.append(Change(f"user {user}", lambda: _ignore(server.iam_ok("CreateUser", UserName=user))))
    wanted = bucket_policy(bucket)
    have: Any = None
    if exists:
        status, reply = server.iam("GetUserPolicy", UserName=user, PolicyName=POLICY_NAME)
        documents = find(reply, "PolicyDocument") if status == 200 and reply is not None else []
        have = _policy(documents[0]) if documents else None
    if have != canonical_policy(wanted):
        document = json.dumps(wanted, separators=(",", ":"))

        def put_policy() -> None:
            server.iam_ok("PutUserPolicy", UserName=user, PolicyName=POLICY_NAME, PolicyDocument=document)

        changes.append(Change(f"user {user}: policy {POLICY_NAME}, bucket {bucket} only", put_policy))
    stored = kv_read(vault, secret) or {}
    listed = find(server.iam_ok("ListAccessKeys", UserName=user), "AccessKeyId") if exists else []
    kept = str(stored.get("access_key_id", ""))
    valid = kept in listed and accepted(server, bucket, stored) and stored.get("bucket") == bucket
    stale = [key for key in listed if not valid or key != kept]
    if not valid or stale:

        def rotate() -> None:
            for key in stale:
                server.iam_ok("DeleteAccessKey", UserName=user, AccessKeyId=key)
            if not valid:
                created = server.iam_ok("CreateAccessKey", UserName=user)
                pair = {"access_key_id": find(created, "AccessKeyId"), "secret": find(created, "SecretAccessKey")}
                if not pair["access_key_id"] or not pair["secret"]:
                    raise StepError(f"IAM CreateAccessKey {user} at {server.endpoint}: no key in the reply")
                data = {**(kv_read(vault, secret) or {}), "bucket": bucket}
                data |= {"access_key_id": pair["access_key_id"][0], "secret_access_key": pair["secret"][0]}
                vault.write(f"{KV_MOUNT}/data/{secret}", {"data": data})

        parts = [] if valid else [f"access key: create into Vault {KV_MOUNT}/{secret}"]
        if stale:
            parts.append(f"remove {len(stale)} key{'s' if len(stale) > 1 else ''} Vault does not hold")
        changes.append(Change(f"user {user}: {', '.join(parts)}", rotate))
    return changes


def _policy(document: str) -> Any:
    """The policy of a GetUserPolicy reply: JSON, URL-encoded as AWS returns it or plain as SeaweedFS does."""
    text = unquote(document) if document.lstrip().startswith("%7B") else document
    try:
        return canonical_policy(json.loads(text))
    except ValueError:
        return None


def _ignore(_: object) -> None:
    return None
