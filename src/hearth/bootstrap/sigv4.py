"""AWS Signature Version 4 for the S3 and IAM requests of the bootstrap, with only the standard library, so no AWS
SDK is a dependency and no key reaches argv (the ``aws`` CLI would take them from the environment, but its output
carries the secret keys it creates through a pipe the bootstrap would have to parse).

Reference: docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html (canonical request, string to sign,
signing key ``AWS4`` + secret -> date -> region -> service -> ``aws4_request``); S3 paths are signed as sent
(docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html), with ``x-amz-content-sha256``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
REGION = "us-east-1"
"""The region S3 servers outside AWS accept by default (MinIO's, SeaweedFS's, Ceph RGW's)."""


@dataclass(frozen=True)
class Keys:
    """An access key pair; ``repr`` never shows the secret."""

    access_key_id: str
    secret_access_key: str = field(repr=False)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _query(params: dict[str, str]) -> str:
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params.items()))


def signed_headers(
    keys: Keys,
    method: str,
    host: str,
    path: str,
    *,
    service: str,
    query: dict[str, str] | None = None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    now: datetime | None = None,
    region: str = REGION,
) -> dict[str, str]:
    """The headers (``Authorization``, ``x-amz-date``, for S3 ``x-amz-content-sha256``, and ``headers``) of a request of
    ``method`` to ``path`` (already URI-encoded) on ``host`` with ``query`` and ``body``, signed with ``keys``."""
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    payload = hashlib.sha256(body).hexdigest()
    wanted = {k.lower(): v.strip() for k, v in (headers or {}).items()}
    wanted |= {"host": host, "x-amz-date": moment}
    if service == "s3":  # S3 requires the payload's hash as a header too; other services sign it only
        wanted["x-amz-content-sha256"] = payload
    names = ";".join(sorted(wanted))
    canonical = "\n".join(
        [
            method,
            path or "/",
            _query(query or {}),
            "".join(f"{k}:{wanted[k]}\n" for k in sorted(wanted)),
            names,
            payload,
        ]
    )
    scope = f"{moment[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, moment, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + keys.secret_access_key).encode()
    for part in (moment[:8], region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = f"{ALGORITHM} Credential={keys.access_key_id}/{scope}, SignedHeaders={names}, Signature={signature}"
    out = {k: v for k, v in wanted.items() if k != "host"}
    return out | {"Authorization": authorization}
