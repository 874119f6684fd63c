"""A small fake of MinIO on loopback: the admin API endpoints the bootstrap's users step calls and the S3 calls of
the buckets step and of the key check, each request's SigV4 signature verified against the signer's secret.

Admin API (github.com/minio/minio RELEASE.2025-09-07T16-13-09Z, cmd/admin-router.go and
cmd/admin-handlers-users.go; bodies as madmin-go v3.0.109 encrypt.go ``EncryptData``, which minio-py 7.2.20's
minio/crypto.py implements), under ``/minio/admin/v3/``, for the root key only:

* ``GET user-info?accessKey=`` -> ``{"policyName", "status"}`` (no secret), 404 ``XMinioAdminNoSuchUser``;
* ``PUT add-user?accessKey=`` with an encrypted ``{"secretKey", "status"}`` (creates or updates, keeps policies);
* ``GET info-canned-policy?name=`` -> the document (its Action lists in another order, as MinIO's sets come
  back), 404 ``XMinioAdminNoSuchPolicy``; ``PUT add-canned-policy?name=`` with the plain JSON document;
* ``POST idp/builtin/policy/{attach,detach}`` with an encrypted ``{"policies", "user"}`` and content type
  ``application/octet-stream``, an encrypted ``{"policiesAttached"|"policiesDetached"}`` reply; 400
  ``XMinioAdminPolicyChangeAlreadyApplied`` when nothing changes.

S3: ``HEAD``/``PUT /<bucket>`` (root) and ``GET /<bucket>?list-type=2``, allowed when a policy attached to the
signing user allows ``s3:ListBucket`` on the bucket; an unknown or disabled key is ``InvalidAccessKeyId``, a wrong
signature ``SignatureDoesNotMatch``, a request without ``Authorization`` ``AccessDenied``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

from minio.crypto import decrypt, encrypt

ADMIN = "/minio/admin/v3/"


@dataclass
class User:
    """A MinIO user as the fake keeps it."""

    secret: str
    status: str = "enabled"
    policies: list[str] = field(default_factory=list)


class _Body:
    """What minio.crypto.decrypt reads a reply from (``read``, ``close``, ``release_conn``), over bytes."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, n: int = -1) -> bytes:
        return self._data.read(n)

    def close(self) -> None:
        return None

    def release_conn(self) -> None:
        return None


@dataclass
class FakeMinio:
    """The state of one MinIO server and what it received."""

    root_key: str
    root_secret: str
    users: dict[str, User] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    buckets: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    """``METHOD path`` of every request (the query string too)."""
    bodies: list[bytes] = field(default_factory=list)
    """Every request body as received on the wire."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _secret_of(self, key: str) -> str | None:
        if key == self.root_key:
            return self.root_secret
        user = self.users.get(key)
        return user.secret if user is not None and user.status == "enabled" else None

    def authenticate(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[str | None, str]:
        """(the signing access key, "") for a valid SigV4 signature, else (None, the S3 error code)."""
        auth = headers.get("authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return None, "AccessDenied"
        fields = dict(part.strip().split("=", 1) for part in auth.removeprefix("AWS4-HMAC-SHA256 ").split(","))
        key, date, region, service, _ = fields["Credential"].split("/")
        secret = self._secret_of(key)
        if secret is None:
            return None, "InvalidAccessKeyId"
        payload = headers.get("x-amz-content-sha256", "")
        if payload != hashlib.sha256(body).hexdigest():
            return None, "XAmzContentSHA256Mismatch"
        path, _, query = target.partition("?")
        canonical_query = "&".join(sorted(query.split("&"))) if query else ""
        signed = fields["SignedHeaders"].split(";")
        canonical_headers = "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed)
        request = "\n".join([method, path, canonical_query, canonical_headers, ";".join(signed), payload])
        scope = f"{date}/{region}/{service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", headers.get("x-amz-date", ""), scope])
        to_sign += "\n" + hashlib.sha256(request.encode()).hexdigest()
        signing = ("AWS4" + secret).encode()
        for part in (date, region, service, "aws4_request"):
            signing = hmac.new(signing, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields["Signature"]):
            return None, "SignatureDoesNotMatch"
        return key, ""

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        """Answer one request: (status, content type, body)."""
        with self.lock:
            self.requests.append(f"{method} {target}")
            self.bodies.append(body)
            key, error = self.authenticate(method, target, headers, body)
            parts = urlsplit(target)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path.startswith(ADMIN):
                if key is None:
                    return _admin_error(403, error)
                if key != self.root_key:
                    return _admin_error(403, "AccessDenied")
                return self._admin(method, parts.path.removeprefix(ADMIN), query, headers, body)
            if key is None:
                return _s3_error(403, error)
            return self._s3(method, unquote(parts.path).strip("/"), query, key)

    def _admin(
        self, method: str, command: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        try:
            return self._admin_command(method, command, query, headers, body)
        except ValueError:  # a body that does not decrypt with the root secret, or is not JSON
            return _admin_error(400, "XMinioAdminConfigBadJSON")

    def _admin_command(
        self, method: str, command: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        if (method, command) == ("GET", "user-info"):
            user = self.users.get(query["accessKey"])
            if user is None:
                return _admin_error(404, "XMinioAdminNoSuchUser")
            return _json({"policyName": ",".join(user.policies), "status": user.status})
        if (method, command) == ("PUT", "add-user"):
            request = json.loads(decrypt(cast(Any, _Body(body)), self.root_secret))
            name = query["accessKey"]
            old = self.users.get(name)
            self.users[name] = User(request["secretKey"], request["status"], old.policies if old else [])
            return 200, "application/json", b""
        if (method, command) == ("GET", "info-canned-policy"):
            policy = self.policies.get(query["name"])
            if policy is None:
                return _admin_error(404, "XMinioAdminNoSuchPolicy")
            statements = [{**s, "Action": sorted(s["Action"], reverse=True)} for s in policy["Statement"]]
            return _json({**policy, "Statement": statements})
        if (method, command) == ("PUT", "add-canned-policy"):
            self.policies[query["name"]] = json.loads(body)
            return 200, "application/json", b""
        if method == "POST" and command in {"idp/builtin/policy/attach", "idp/builtin/policy/detach"}:
            if headers.get("content-type") != "application/octet-stream":
                return _admin_error(400, "BadRequest")
            request = json.loads(decrypt(cast(Any, _Body(body)), self.root_secret))
            user = self.users.get(request["user"])
            if user is None:
                return _admin_error(404, "XMinioAdminNoSuchUser")
            if any(p not in self.policies for p in request["policies"]):
                return _admin_error(404, "XMinioAdminNoSuchPolicy")
            attach = command.endswith("attach")
            changed = [p for p in request["policies"] if (p in user.policies) != attach]
            if not changed:
                return _admin_error(400, "XMinioAdminPolicyChangeAlreadyApplied")
            user.policies = [*user.policies, *changed] if attach else [p for p in user.policies if p not in changed]
            reply = {"policiesAttached" if attach else "policiesDetached": changed}
            return 200, "application/json", encrypt(json.dumps(reply).encode(), self.root_secret)
        return _admin_error(400, "XMinioAdminInvalidArgument")

    def _s3(self, method: str, bucket: str, query: dict[str, str], key: str) -> tuple[int, str, bytes]:
        if method in {"HEAD", "PUT"}:
            if key != self.root_key:
                return _s3_error(403, "AccessDenied")
            if method == "PUT":
                self.buckets.add(bucket)
            return (200 if bucket in self.buckets else 404), "application/xml", b""
        if method == "GET" and query.get("list-type") == "2":
            if bucket not in self.buckets:
                return _s3_error(404, "NoSuchBucket")
            if key != self.root_key and not self._allows(key, "s3:ListBucket", f"arn:aws:s3:::{bucket}"):
                return _s3_error(403, "AccessDenied")
            return 200, "application/xml", f"<ListBucketResult><Name>{bucket}</Name></ListBucketResult>".encode()
        return _s3_error(501, "NotImplemented")

    def _allows(self, key: str, action: str, resource: str) -> bool:
        for name in self.users[key].policies:
            for statement in self.policies.get(name, {}).get("Statement", []):
                granted = statement["Effect"] == "Allow" and action in statement["Action"]
                if granted and (resource in statement["Resource"] or "*" in statement["Resource"]):
                    return True
        return False


def _json(data: object) -> tuple[int, str, bytes]:
    return 200, "application/json", json.dumps(data).encode()


def _admin_error(status: int, code: str) -> tuple[int, str, bytes]:
    # MinIO's admin errors are JSON (cmd/api-response.go writeErrorResponseJSON: APIErrorResponse).
    return status, "application/json", json.dumps({"Code": code, "Message": code, "Resource": ""}).encode()


def _s3_error(status: int, code: str) -> tuple[int, str, bytes]:
    return status, "application/xml", f"<Error><Code>{code}</Code></Error>".encode()


@contextmanager
def serve(fake: FakeMinio) -> Iterator[str]:
    """Serve ``fake`` on a free loopback port for the block; yields ``host:port``."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, kind, reply = fake.handle(self.command, self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
