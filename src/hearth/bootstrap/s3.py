"""S3 grants (``bucket``): per consumer a bucket and a user whose policy reaches that bucket only, with the backups
buckets (Velero's and the dumps') that ``grants/<provider>.json`` lists beside the consumers.

Two steps per provider of a ``bucket`` grant, reading before they write, signed with SigV4 (``sigv4``) as the
operator's admin access key (``Operator.admin``: ``username`` the access key id, ``password`` the secret):

* ``<provider>-buckets``: every bucket named by a grant, created (``PUT /<bucket>``) when ``HEAD`` does not find it;
* ``<provider>-bucket-users``: per grant a user named after the consumer, through the AWS IAM API served on the S3
  port (docs.aws.amazon.com/IAM/latest/APIReference: ``GetUser``/``CreateUser``, ``GetUserPolicy``/
  ``PutUserPolicy``, ``ListAccessKeys``/``CreateAccessKey``/``DeleteAccessKey``), its inline policy ``hearth-bucket``
  allowing object reads, writes and listing on its bucket only, and one access key, which the server generates and
  the bootstrap writes straight into the consumer's KV entry (``access_key_id``, ``secret_access_key``, ``bucket``).
  The key in Vault is kept while the server lists it for the user and accepts its signature; any other key of the
  user is removed, so Vault's is the only one.

The IAM API is what SeaweedFS serves on its S3 port (writable with ``-s3.iam.readOnly=false``) and Ceph RGW
serves; MinIO manages users through its own admin API (``mc admin``), which this step does not speak: against MinIO
the users step fails with the server's answer, and the buckets step still applies. Keys travel only in signed
request headers and bodies, never in argv.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlencode

import requests

from hearth.bootstrap.model import Change, FuncStep, Step, StepError, Unreachable
from hearth.bootstrap.operator import Operator, kv_read, strip_kv
from hearth.bootstrap.sigv4 import Keys, signed_headers
from hearth.bootstrap.vault import KV_MOUNT, Vault

POLICY_NAME = "hearth-bucket"
IAM_VERSION = "2010-05-08"
# What a consumer and Velero do with their bucket (multipart uploads are s3:PutObject); SeaweedFS refuses a policy
# naming s3:ListMultipartUploadParts or s3:ListBucketMultipartUploads (MalformedPolicyDocument), so neither is here.
OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
BUCKET_ACTIONS = ("s3:ListBucket", "s3:GetBucketLocation")
BAD_KEY = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidClientTokenId"}
"""Error codes that mean a key pair is not (or no longer) the server's; AccessDenied means a valid key."""


def bucket_policy(bucket: str) -> dict[str, Any]:
    """The inline policy of a bucket's user: objects and listing of ``bucket``, nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": list(BUCKET_ACTIONS), "Resource": [f"arn:aws:s3:::{bucket}"]},
            {"Effect": "Allow", "Action": list(OBJECT_ACTIONS), "Resource": [f"arn:aws:s3:::{bucket}/*"]},
        ],
    }


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _find(root: ET.Element, name: str) -> list[str]:
    return [el.text or "" for el in root.iter() if _local(el.tag) == name]


@dataclass
class S3Server:
    """An S3 endpoint (``host:port``, plain HTTP in-cluster) signed for with ``keys``; errors are one line."""

    endpoint: str
    keys: Keys = field(repr=False)
    timeout: float = 10.0

    def request(
        self, method: str, path: str, *, service: str = "s3", query: dict[str, str] | None = None, body: bytes = b""
    ) -> tuple[int, ET.Element | None]:
        """A signed request; (status, parsed XML reply or None)."""
        extra = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"} if service == "iam" else {}
        headers = signed_headers(
            self.keys, method, self.endpoint, path, service=service, query=query, body=body, headers=extra
        )
        try:
            answer = requests.request(
                method, f"http://{self.endpoint}{path}", params=query, data=body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise Unreachable(f"S3 at {self.endpoint}: {type(exc).__name__}") from exc
        try:
            return answer.status_code, ET.fromstring(answer.content) if answer.content else None
        except ET.ParseError:
            return answer.status_code, None

    def iam(self, action: str, **params: str) -> tuple[int, ET.Element | None]:
        """An IAM API action (form-encoded POST to ``/``, signed for service ``iam``)."""
        body = urlencode({"Action": action, "Version": IAM_VERSION, **params}).encode()
        return self.request("POST", "/", service="iam", body=body)

    def iam_ok(self, action: str, **params: str) -> ET.Element:
        """An IAM action that must succeed; its reply, or a StepError with the server's error code."""
        status, reply = self.iam(action, **params)
        if status >= 300 or reply is None:
            raise StepError(f"IAM {action} at {self.endpoint}: HTTP {status} {_code(reply)}".rstrip())
        return reply


def _code(reply: ET.Element | None) -> str:
    return next(iter(_find(reply, "Code")), "") if reply is not None else ""


def s3_steps(vault: Vault, grants: dict[str, dict[str, Any]], operator: Operator) -> list[Step]:
    """The two steps of every ``bucket`` provider in the build."""
    steps: list[Step] = []
    for _, spec in sorted(grants.items()):
        if spec.get("grant") == "bucket":
            steps += [buckets_step(spec, operator), bucket_users_step(vault, spec, operator)]
    return steps


def _admin(spec: dict[str, Any], operator: Operator) -> S3Server:
    provider = str(spec["provider"])
    admin = operator.admin(provider)
    return S3Server(operator.endpoint(provider, str(spec["endpoint"])), Keys(admin.username, admin.password))


def buckets_step(spec: dict[str, Any], operator: Operator) -> Step:
    """Every bucket ``spec``'s grants name, created when missing."""
    provider = str(spec["provider"])
    buckets = sorted({str(c["name"]) for c in spec["consumers"]})

    def read() -> list[Change]:
        server = _admin(spec, operator)
        changes = []
        for bucket in buckets:
            status, reply = server.request("HEAD", f"/{quote(bucket)}")
            if status == 200:
                continue
            if status != 404:
                raise StepError(f"HEAD /{bucket} at {server.endpoint}: HTTP {status} {_code(reply)}".rstrip())

            def create(bucket: str = bucket) -> None:
                status, reply = server.request("PUT", f"/{quote(bucket)}")
                if status >= 300 and _code(reply) not in {"BucketAlreadyOwnedByYou"}:
                    raise StepError(f"PUT /{bucket} at {server.endpoint}: HTTP {status} {_code(reply)}".rstrip())

            changes.append(Change(f"bucket {bucket}", create))
        return changes

    return FuncStep(f"{provider}-buckets", f"{len(buckets)} buckets on {provider}", read)


def bucket_users_step(vault: Vault, spec: dict[str, Any], operator: Operator) -> Step:
    """A user per grant of ``spec``, reaching its bucket only; its access key in the grant's KV entry."""
    provider, consumers = str(spec["provider"]), list(spec["consumers"])

    def read() -> list[Change]:
        server = _admin(spec, operator)
        changes: list[Change] = []
        for consumer in consumers:
            user, bucket, secret = str(consumer["consumer"]), str(consumer["name"]), str(consumer["secret"])
            changes += _user_changes(vault, server, user, bucket, strip_kv(secret))
        return changes

    summary = f"{len(consumers)} users on {provider}, each reaching its own bucket"
    return FuncStep(f"{provider}-bucket-users", summary, read)


def _user_changes(vault: Vault, server: S3Server, user: str, bucket: str, secret: str) -> list[Change]:
    changes: list[Change] = []
    status, reply = server.iam("GetUser", UserName=user)
    exists = status == 200
    if not exists and _code(reply) != "NoSuchEntity":
        raise StepError(f"IAM GetUser {user} at {server.endpoint}: HTTP {status} {_code(reply)}".rstrip())
    if not exists:
        changes.append(Change(f"user {user}", lambda: _ignore(server.iam_ok("CreateUser", UserName=user))))
    wanted = bucket_policy(bucket)
    have: Any = None
    if exists:
        status, reply = server.iam("GetUserPolicy", UserName=user, PolicyName=POLICY_NAME)
        documents = _find(reply, "PolicyDocument") if status == 200 and reply is not None else []
        have = _policy(documents[0]) if documents else None
    if have != canonical_policy(wanted):
        document = json.dumps(wanted, separators=(",", ":"))

        def put_policy() -> None:
            server.iam_ok("PutUserPolicy", UserName=user, PolicyName=POLICY_NAME, PolicyDocument=document)

        changes.append(Change(f"user {user}: policy {POLICY_NAME}, bucket {bucket} only", put_policy))
    stored = kv_read(vault, secret) or {}
    listed = _find(server.iam_ok("ListAccessKeys", UserName=user), "AccessKeyId") if exists else []
    kept = str(stored.get("access_key_id", ""))
    valid = kept in listed and _accepted(server, bucket, stored) and stored.get("bucket") == bucket
    stale = [key for key in listed if not valid or key != kept]
    if not valid or stale:

        def rotate() -> None:
            for key in stale:
                server.iam_ok("DeleteAccessKey", UserName=user, AccessKeyId=key)
            if not valid:
                created = server.iam_ok("CreateAccessKey", UserName=user)
                pair = {"access_key_id": _find(created, "AccessKeyId"), "secret": _find(created, "SecretAccessKey")}
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


def canonical_policy(policy: Any) -> Any:
    """A policy document as compared: Action and Resource as sorted lists (servers return a one-element list as its
    string, as SeaweedFS does), other fields as they are; None for what is not a policy."""
    if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), list):
        return None
    statements = []
    for statement in policy["Statement"]:
        if not isinstance(statement, dict):
            return None
        one = dict(statement)
        for key in ("Action", "Resource"):
            value = one.get(key)
            one[key] = sorted([value] if isinstance(value, str) else list(value or []))
        statements.append(one)
    return {**policy, "Statement": statements}


def _policy(document: str) -> Any:
    """The policy of a GetUserPolicy reply: JSON, URL-encoded as AWS returns it or plain as SeaweedFS does."""
    text = unquote(document) if document.lstrip().startswith("%7B") else document
    try:
        return canonical_policy(json.loads(text))
    except ValueError:
        return None


def _accepted(server: S3Server, bucket: str, stored: dict[str, object]) -> bool:
    """Whether the server accepts the stored key pair's signature (AccessDenied still means a valid key)."""
    key, secret = stored.get("access_key_id"), stored.get("secret_access_key")
    if not isinstance(key, str) or not isinstance(secret, str) or not key or not secret:
        return False
    probe = S3Server(server.endpoint, Keys(key, secret), server.timeout)
    status, reply = probe.request("GET", f"/{quote(bucket)}", query={"list-type": "2", "max-keys": "1"})
    return status == 200 or _code(reply) not in BAD_KEY


def _ignore(_: object) -> None:
    return None
