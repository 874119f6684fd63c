"""The provider steps' pure parts, without a server: the SigV4 signer against AWS's published example, the policy
comparison of the S3 users step, RabbitMQ's password hashes and where its management API is found in a build."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from hearth.bootstrap.build import Build
from hearth.bootstrap.rabbitmq import management_endpoint, password_matches
from hearth.bootstrap.s3 import bucket_policy, canonical_policy
from hearth.bootstrap.sigv4 import Keys, signed_headers

# docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html (the IAM ListUsers example of the
# Signature Version 4 documentation: its example key pair, time and resulting signature).
AWS_EXAMPLE_KEYS = Keys("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
AWS_EXAMPLE_SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"


def _list_users(keys: Keys, when: datetime) -> dict[str, str]:
    return signed_headers(
        keys,
        "GET",
        "iam.amazonaws.com",
        "/",
        service="iam",
        query={"Action": "ListUsers", "Version": "2010-05-08"},
        headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
        now=when,
    )


@pytest.mark.parametrize(
    ("keys", "when", "matches"),
    [
        (AWS_EXAMPLE_KEYS, datetime(2015, 8, 30, 12, 36, tzinfo=UTC), True),
        (AWS_EXAMPLE_KEYS, datetime(2015, 8, 30, 12, 37, tzinfo=UTC), False),
        (Keys("AKIDEXAMPLE", "another-secret"), datetime(2015, 8, 30, 12, 36, tzinfo=UTC), False),
    ],
)
def test_sigv4_signs_as_aws_documents(keys: Keys, when: datetime, matches: bool) -> None:
    headers = _list_users(keys, when)
    auth = headers["Authorization"]
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{when:%Y%m%d}/us-east-1/iam/aws4_request, ")
    assert "SignedHeaders=content-type;host;x-amz-date, " in auth
    assert auth.endswith(f"Signature={AWS_EXAMPLE_SIGNATURE}") is matches
    assert keys.secret_access_key not in repr(keys) and keys.secret_access_key not in str(headers)


def test_sigv4_s3_requests_carry_the_payload_hash() -> None:
    headers = signed_headers(AWS_EXAMPLE_KEYS, "PUT", "s3.test", "/b/k", service="s3", body=b"hello")
    assert headers["x-amz-content-sha256"] == hashlib.sha256(b"hello").hexdigest()
    assert "SignedHeaders=host;x-amz-content-sha256;x-amz-date, " in headers["Authorization"]


def _one(policy: dict[str, Any], **changes: object) -> dict[str, Any]:
    """``policy`` with its first statement's fields replaced by ``changes``."""
    first, *rest = policy["Statement"]
    return {**policy, "Statement": [{**first, **changes}, *rest]}


WANTED = bucket_policy("affine")


@pytest.mark.parametrize(
    ("returned", "same"),
    [
        (WANTED, True),
        # SeaweedFS returns a one-element list as its string.
        (_one(WANTED, Resource="arn:aws:s3:::affine"), True),
        (_one(WANTED, Action=["s3:GetBucketLocation", "s3:ListBucket"]), True),
        (_one(WANTED, Resource=["arn:aws:s3:::kestra"]), False),
        (_one(WANTED, Resource="*"), False),
        (_one(WANTED, Effect="Deny"), False),
        ({"Version": "2012-10-17", "Statement": WANTED["Statement"][:1]}, False),
        ("not a policy", False),
    ],
)
def test_policies_compare_canonically(returned: object, same: bool) -> None:
    assert (canonical_policy(returned) == canonical_policy(WANTED)) is same


def _rabbit_hash(salt: bytes, password: str, digest: Callable[[bytes], Any] = hashlib.sha256) -> str:
    return base64.b64encode(salt + digest(salt + password.encode()).digest()).decode()


@pytest.mark.parametrize(
    ("stored", "algorithm", "password", "matches"),
    [
        (_rabbit_hash(b"\x01\x02\x03\x04", "s3cret"), "rabbit_password_hashing_sha256", "s3cret", True),
        (_rabbit_hash(b"\x01\x02\x03\x04", "s3cret"), "rabbit_password_hashing_sha256", "other", False),
        (_rabbit_hash(b"salt", "s3cret", hashlib.sha512), "rabbit_password_hashing_sha512", "s3cret", True),
        (_rabbit_hash(b"salt", "s3cret"), "rabbit_password_hashing_sha512", "s3cret", False),
        (_rabbit_hash(b"salt", "s3cret"), "rabbit_password_hashing_md5", "s3cret", False),
        ("", "rabbit_password_hashing_sha256", "s3cret", False),
        ("not base64!", "rabbit_password_hashing_sha256", "s3cret", False),
    ],
)
def test_rabbitmq_password_hashes(stored: str, algorithm: str, password: str, matches: bool) -> None:
    assert password_matches(stored, algorithm, password) is matches


SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: rabbitmq
  namespace: {namespace}
spec:
  ports:
  - name: amqp
    port: 5672
  - name: {port_name}
    port: 15672
"""


@pytest.mark.parametrize(
    ("namespace", "port_name", "found"),
    [
        ("db", "management", "rabbitmq.db.svc:15672"),
        ("db", "prometheus", None),
        ("other", "management", None),
    ],
)
def test_management_endpoint_is_the_services_management_port(namespace: str, port_name: str, found: str) -> None:
    build = Build({"manifests/rabbitmq.yaml": SERVICE.format(namespace=namespace, port_name=port_name)})
    assert management_endpoint(build, "rabbitmq.db.svc:5672") == found
