"""A fake Kubernetes API server over HTTP on loopback, for the deploy tests (no API server can run here).

It serves what the official client uses: ``/version``, discovery (``/api``, ``/apis`` and each group version),
get/list/create/patch (merge and server-side apply, with ``dryRun``)/delete of objects, label and field selectors,
and the service proxy. A stored CustomResourceDefinition makes its kind discoverable, as on a real server. Tests
(and the fake helm) seed and inspect objects through ``/fake/...`` paths the real client never calls.
"""

from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import yaml

Obj = dict[str, Any]

# (group, version, plural, kind, namespaced)
BUILTIN = [
    ("", "v1", "namespaces", "Namespace", False),
    ("", "v1", "configmaps", "ConfigMap", True),
    ("", "v1", "pods", "Pod", True),
    ("", "v1", "services", "Service", True),
    ("", "v1", "endpoints", "Endpoints", True),
    ("", "v1", "events", "Event", True),
    ("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True),
    ("", "v1", "serviceaccounts", "ServiceAccount", True),
    ("", "v1", "secrets", "Secret", True),
    ("apps", "v1", "deployments", "Deployment", True),
    ("apps", "v1", "statefulsets", "StatefulSet", True),
    ("apps", "v1", "daemonsets", "DaemonSet", True),
    ("batch", "v1", "jobs", "Job", True),
    ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False),
]


def merge(base: Any, patch: Any) -> Any:
    """RFC 7386 merge patch (a None value deletes the key)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


class FakeKube:
    """The store and the server; ``url`` is where the client connects."""

    def __init__(self) -> None:
        self.resources: dict[tuple[str, str, str], tuple[str, bool]] = {}
        for group, version, plural, kind, namespaced in BUILTIN:
            self.resources[(group, version, plural)] = (kind, namespaced)
        self.objects: dict[tuple[str, str, str, str], Obj] = {}  # (group, plural, namespace, name)
        self.proxy: dict[tuple[str, str, str], tuple[int, str]] = {}  # (namespace, service, path) -> answer
        self.requests: list[tuple[str, str]] = []
        self.establish_crds = True  # as the apiextensions controller does; a test holding a CRD gate turns it off
        self.lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.server.handle_error = lambda *_: None  # type: ignore[method-assign]  # a client hanging up is fine
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def kubeconfig(self, path: Path) -> Path:
        """Write a kubeconfig whose one context points at this server."""
        path.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                    "users": [{"name": "fake", "user": {"token": "fake"}}],
                    "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
                    "current-context": "fake",
                }
            )
        )
        return path

    # --- the store -------------------------------------------------------------------------------------------
    def plural_of(self, api_version: str, kind: str) -> tuple[str, str, bool] | None:
        """(group, plural, namespaced) of a kind, None when not served."""
        group, _, version = api_version.rpartition("/")
        for (g, v, plural), (k, namespaced) in self.resources.items():
            if g == group and v == version and k == kind:
                return g, plural, namespaced
        return None

    def put(self, obj: Obj) -> None:
        """Store an object as it is (a test's seed, or what the fake helm installs)."""
        found = self.plural_of(obj["apiVersion"], obj["kind"])
        assert found is not None, f"fake kube does not serve {obj['apiVersion']} {obj['kind']}"
        group, plural, namespaced = found
        meta = obj.setdefault("metadata", {})
        namespace = (meta.get("namespace") or "default") if namespaced else ""
        if namespaced:
            meta["namespace"] = namespace
        with self.lock:
            self.objects[(group, plural, namespace, meta["name"])] = copy.deepcopy(obj)
            if obj["kind"] == "CustomResourceDefinition":
                spec = obj["spec"]
                for version in spec["versions"]:
                    key = (spec["group"], version["name"], spec["names"]["plural"])
                    self.resources[key] = (spec["names"]["kind"], spec.get("scope") == "Namespaced")

    def get(self, api_version: str, kind: str, name: str, namespace: str = "") -> Obj | None:
        """A stored object, None when absent."""
        found = self.plural_of(api_version, kind)
        if found is None:
            return None
        group, plural, namespaced = found
        with self.lock:
            obj = self.objects.get((group, plural, namespace if namespaced else "", name))
            return copy.deepcopy(obj) if obj else None

    def remove(self, api_version: str, kind: str, name: str, namespace: str = "") -> None:
        """Drop an object."""
        found = self.plural_of(api_version, kind)
        if found is not None:
            group, plural, namespaced = found
            with self.lock:
                self.objects.pop((group, plural, namespace if namespaced else "", name), None)

    def of_kind(self, kind: str) -> list[Obj]:
        """Every stored object of a kind."""
        with self.lock:
            return [copy.deepcopy(o) for o in self.objects.values() if o.get("kind") == kind]


def _status(code: int, message: str) -> Obj:
    reason = {404: "NotFound", 409: "AlreadyExists", 400: "BadRequest"}.get(code, "Error")
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def _labels_match(obj: Obj, selector: str) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for term in filter(None, selector.split(",")):
        key, _, value = term.partition("=")
        if labels.get(key) != value:
            return False
    return True


def _fields_match(obj: Obj, selector: str) -> bool:
    for term in filter(None, selector.split(",")):
        path, _, value = term.partition("=")
        node: Any = obj
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if str(node) != value:
            return False
    return True


def _handler(fake: FakeKube) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *_: Any) -> None:
            return None

        def _send(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self._headers_buffer.append(b"\r\n" + data)  # headers and body in one write: no delayed-ACK stall
            self.flush_headers()

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            return yaml.safe_load(raw) if raw else None

        def _route(self, method: str) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            parts = [unquote(p) for p in url.path.split("/") if p]
            fake.requests.append((method, url.path))
            body = self._body() if method in ("POST", "PATCH", "PUT") else None
            if parts[:1] == ["fake"]:
                return self._fake(parts[1:], body)
            if url.path == "/version":
                return self._send(200, {"major": "1", "minor": "28", "gitVersion": "v1.28.5"})
            if url.path == "/api":
                return self._send(200, {"kind": "APIVersions", "versions": ["v1"]})
            if url.path == "/apis":
                return self._send(200, self._groups())
            if parts[:1] == ["api"]:
                group, version, rest = "", parts[1] if len(parts) > 1 else "", parts[2:]
            else:
                group, version, rest = (parts[1], parts[2], parts[3:]) if len(parts) > 2 else ("", "", [])
            if not rest:
                return self._send(200, self._resource_list(group, version))
            namespace = ""
            if rest[0] == "namespaces" and len(rest) >= 3:
                namespace, rest = rest[1], rest[2:]
            plural, name, sub = rest[0], rest[1] if len(rest) > 1 else None, rest[2:]
            if (group, version, plural) not in fake.resources:
                return self._send(404, _status(404, f"the server could not find the requested resource {plural}"))
            kind, namespaced = fake.resources[(group, version, plural)]
            if plural == "services" and sub[:1] == ["proxy"] and name is not None:
                service = name.split(":", 1)[0]
                code, text = fake.proxy.get((namespace, service, "/" + "/".join(sub[1:])), (503, "no endpoints"))
                return self._send(code, text.encode())
            key = (group, plural, namespace if namespaced else "", name or "")
            with fake.lock:
                return self._object(method, key, kind, group, version, name, namespace, query, body)

        def _object(
            self,
            method: str,
            key: tuple[str, str, str, str],
            kind: str,
            group: str,
            version: str,
            name: str | None,
            namespace: str,
            query: dict[str, str],
            body: Any,
        ) -> None:
            api_version = f"{group}/{version}" if group else version
            if name is None and method == "GET":
                items = [
                    o
                    for (g, p, ns, _), o in sorted(fake.objects.items())
                    if g == key[0]
                    and p == key[1]
                    and (not namespace or ns == namespace)
                    and _labels_match(o, query.get("labelSelector", ""))
                    and _fields_match(o, query.get("fieldSelector", ""))
                ]
                return self._send(
                    200, {"kind": f"{kind}List", "apiVersion": api_version, "metadata": {}, "items": items}
                )
            if name is None and method == "POST":
                name = body["metadata"]["name"]
                key = (*key[:3], name)
                if key in fake.objects:
                    return self._send(409, _status(409, f"{kind} {name} already exists"))
                fake.put({**body, "apiVersion": api_version, "kind": kind})
                return self._send(201, fake.objects[key])
            current = fake.objects.get(key)
            if method == "GET":
                return (
                    self._send(200, current) if current else self._send(404, _status(404, f"{kind} {name} not found"))
                )
            if method == "DELETE":
                if current is None:
                    return self._send(404, _status(404, f"{kind} {name} not found"))
                del fake.objects[key]
                return self._send(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})
            if method == "PATCH":
                apply = "apply-patch" in (self.headers.get("Content-Type") or "")
                if current is None and not apply:
                    return self._send(404, _status(404, f"{kind} {name} not found"))
                merged = merge(current or {}, body)
                merged.setdefault("metadata", {})["resourceVersion"] = str(len(fake.requests))
                if kind == "CustomResourceDefinition" and fake.establish_crds and "status" not in merged:
                    merged["status"] = {"conditions": [{"type": "Established", "status": "True"}]}
                if query.get("dryRun") != "All":
                    fake.put(merged)
                return self._send(200, merged)
            return self._send(405, _status(405, "method not allowed"))

        def _groups(self) -> Any:
            groups: dict[str, list[str]] = {}
            for g, v, _ in fake.resources:
                if g and v not in groups.setdefault(g, []):
                    groups[g].append(v)
            return {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [
                    {
                        "name": g,
                        "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                        "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]},
                    }
                    for g, vs in sorted(groups.items())
                ],
            }

        def _resource_list(self, group: str, version: str) -> Any:
            resources = [
                {
                    "name": p,
                    "singularName": k.lower(),
                    "namespaced": ns,
                    "kind": k,
                    "verbs": ["create", "delete", "get", "list", "patch", "update"],
                }
                for (g, v, p), (k, ns) in sorted(fake.resources.items())
                if g == group and v == version
            ]
            gv = f"{group}/{version}" if group else version
            return {"kind": "APIResourceList", "groupVersion": gv, "resources": resources}

        def _fake(self, parts: list[str], body: Any) -> None:
            if parts == ["put"]:
                for obj in body:
                    fake.put(obj)
            elif parts == ["uninstall"]:
                for obj in body:  # what helm does: delete, except what carries helm.sh/resource-policy: keep
                    meta = obj.get("metadata") or {}
                    live = fake.get(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace", ""))
                    keep = ((live or {}).get("metadata") or {}).get("annotations", {}).get("helm.sh/resource-policy")
                    if live is not None and keep != "keep":
                        fake.remove(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace", ""))
            self._send(200, {})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PATCH(self) -> None:
            self._route("PATCH")

        def do_DELETE(self) -> None:
            self._route("DELETE")

    return Handler
