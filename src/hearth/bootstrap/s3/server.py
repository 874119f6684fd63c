"""What both user APIs share: a SigV4-signed S3 endpoint (``S3Server``), the buckets step, the policy a bucket's
user gets and how two policies are compared, and whether the server still accepts a key pair Vault holds.

Buckets are created with the S3 API every server speaks (``HEAD``/``PUT /<bucket>``,
docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html), signed as the operator's admin access key.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import requests

from hearth.bootstrap.model import Change, FuncStep, Step, StepError, Unreachable
from hearth.bootstrap.operator import Operator
from hearth.bootstrap.sigv4 import Keys, signed_headers

IAM_VERSION = "2010-05-08"
# What a consumer and Velero do with their bucket (multipart uploads are s3:PutObject); SeaweedFS refuses a policy
# naming s3:ListMultipartUploadParts or s3:ListBucketMultipartUploads (MalformedPolicyDocument), so neither is here.
OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
BUCKET_ACTIONS = ("s3:ListBucket", "s3:GetBucketLocation")
BAD_KEY = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidClientTokenId"}
"""Error codes that mean a key pair is not (or no longer) the server's; AccessDenied means a valid key."""


def bucket_policy(bucket: str) -> dict[str, Any]:
    """The policy of a bucket's user: objects and listing of ``bucket``, nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": list(BUCKET_ACTIONS), "Resource": [f"arn:aws:s3:::{bucket}"]},
            {"Effect": "Allow", "Action": list(OBJECT_ACTIONS), "Resource": [f"arn:aws:s3:::{bucket}/*"]},
        ],
    }


def canonical_policy(policy: Any) -> Any:
    """A policy document as compared: Action and Resource as sorted lists (servers return a one-element list as its
    string, as SeaweedFS does, or a set in any order, as MinIO does), other fields as they are; None for what is not
    a policy."""
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


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def find(root: ET.Element, name: str) -> list[str]:
    """The texts of every element named ``name`` (any namespace) under ``root``."""
    return [el.text or "" for el in root.iter() if _local(el.tag) == name]


def code(reply: ET.Element | None) -> str:
    """The error code of an S3 or IAM error reply, empty if none."""
    return next(iter(find(reply, "Code")), "") if reply is not None else ""


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
            raise StepError(f"IAM {action} at {self.endpoint}: HTTP {status} {code(reply)}".rstrip())
        return reply


def admin_server(spec: dict[str, Any], operator: Operator) -> S3Server:
    """The S3 endpoint of ``spec``'s provider, signed as the operator's admin login."""
    provider = str(spec["provider"])
    admin = operator.admin(provider)
    return S3Server(operator.endpoint(provider, str(spec["endpoint"])), Keys(admin.username, admin.password))


def accepted(server: S3Server, bucket: str, stored: dict[str, object]) -> bool:
    """Whether the server accepts the stored key pair's signature on a listing of ``bucket`` (AccessDenied or
    NoSuchBucket still mean a valid key)."""
    key, secret = stored.get("access_key_id"), stored.get("secret_access_key")
    if not isinstance(key, str) or not isinstance(secret, str) or not key or not secret:
        return False
    probe = S3Server(server.endpoint, Keys(key, secret), server.timeout)
    status, reply = probe.request("GET", f"/{quote(bucket)}", query={"list-type": "2", "max-keys": "1"})
    return status == 200 or code(reply) not in BAD_KEY


def buckets_step(spec: dict[str, Any], operator: Operator) -> Step:
    """Every bucket ``spec``'s grants name, created when missing."""
    provider = str(spec["provider"])
    buckets = sorted({str(c["name"]) for c in spec["consumers"]})

    def read() -> list[Change]:
        server = admin_server(spec, operator)
        changes = []
        for bucket in buckets:
            status, reply = server.request("HEAD", f"/{quote(bucket)}")
            if status == 200:
                continue
            if status != 404:
                raise StepError(f"HEAD /{bucket} at {server.endpoint}: HTTP {status} {code(reply)}".rstrip())

            def create(bucket: str = bucket) -> None:
                status, reply = server.request("PUT", f"/{quote(bucket)}")
                if status >= 300 and code(reply) not in {"BucketAlreadyOwnedByYou"}:
                    raise StepError(f"PUT /{bucket} at {server.endpoint}: HTTP {status} {code(reply)}".rstrip())

            changes.append(Change(f"bucket {bucket}", create))
        return changes

    return FuncStep(f"{provider}-buckets", f"{len(buckets)} buckets on {provider}", read)
