"""The Kubernetes API, through the official ``kubernetes`` client with the user's kubeconfig and context.

Objects travel as plain dicts (the dynamic client, after discovery), so one code path reads Deployments,
CustomResourceDefinitions and ClusterIssuers alike. A cluster that cannot be reached is a ``ClusterError`` naming
the endpoint; the CLI prints it as one line and exits 2.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError

Obj = dict[str, Any]


class ClusterError(Exception):
    """The cluster is not there or refused hearth: the message names the endpoint."""


def connect(kubeconfig: str | None = None, context: str | None = None) -> Kube:
    """A client for the cluster of ``kubeconfig`` (default: $KUBECONFIG or ~/.kube/config) and ``context``.

    The API server is asked for its version once, so an unreachable cluster fails here, in one line.
    """
    configuration = client.Configuration()
    try:
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=kubeconfig, context=context, client_configuration=configuration
        )
    except (ConfigException, OSError) as exc:
        raise ClusterError(f"kubeconfig {kubeconfig or '$KUBECONFIG or ~/.kube/config'}: {exc}") from exc
    configuration.retries = 1
    return Kube(client.ApiClient(configuration))


class Kube:
    """The API calls the deploy engine makes, each returning plain dicts (or None for an object not there)."""

    def __init__(self, api_client: client.ApiClient) -> None:
        self.api_client = api_client
        self.endpoint = str(api_client.configuration.host)
        self.core = client.CoreV1Api(api_client)
        # A discovery cache of this client's own: the library's default is shared in /tmp by host, which would
        # hide an unreachable cluster and outlive the kinds a fresh CRD adds.
        self._cache_dir = tempfile.TemporaryDirectory(prefix="hearth-discovery-")
        try:
            client.VersionApi(api_client).get_code(_preload_content=False)
            cache = os.path.join(self._cache_dir.name, "discovery.json")
            self.dynamic = DynamicClient(api_client, cache_file=cache)  # type: ignore[no-untyped-call]
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ClusterError(f"cannot reach the Kubernetes API at {self.endpoint}: {type(exc).__name__}") from exc
        except ApiException as exc:
            raise ClusterError(f"the Kubernetes API at {self.endpoint} answered {exc.status} {exc.reason}") from exc

    def _resource(self, api_version: str, kind: str) -> Any | None:
        try:
            return self.dynamic.resources.get(api_version=api_version, kind=kind)
        except ResourceNotFoundError:
            self.dynamic.resources.invalidate_cache()
            try:
                return self.dynamic.resources.get(api_version=api_version, kind=kind)
            except ResourceNotFoundError:
                return None

    def knows(self, api_version: str, kind: str) -> bool:
        """Whether the API serves this kind (a CRD's kind exists once its CRD is established)."""
        return self._resource(api_version, kind) is not None

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        """The live object, or None when it (or its kind) does not exist."""
        resource = self._resource(api_version, kind)
        if resource is None:
            return None
        try:
            found: Obj = resource.get(name=name, namespace=namespace if resource.namespaced else None).to_dict()
        except NotFoundError:
            return None
        return found

    def items(
        self, api_version: str, kind: str, namespace: str | None = None, label_selector: str | None = None
    ) -> list[Obj]:
        """Objects of a kind (in ``namespace`` when namespaced), [] when the kind does not exist."""
        resource = self._resource(api_version, kind)
        if resource is None:
            return []
        kwargs: dict[str, Any] = {"label_selector": label_selector} if label_selector else {}
        items = resource.get(namespace=namespace if resource.namespaced else None, **kwargs).to_dict()
        return list(items.get("items") or [])

    def apply(self, obj: Obj, namespace: str | None = None, dry_run: bool = False) -> Obj:
        """Server-side apply ``obj`` as field manager ``hearth`` (forcing conflicts); with dry_run nothing is kept.

        Raises ValueError when the API does not serve the object's kind.
        """
        resource = self._resource(str(obj["apiVersion"]), str(obj["kind"]))
        if resource is None:
            raise ValueError(f"the cluster does not serve {obj['apiVersion']} {obj['kind']}")
        ns = (obj.get("metadata", {}).get("namespace") or namespace) if resource.namespaced else None
        kwargs: dict[str, Any] = {"dry_run": "All"} if dry_run else {}
        applied: Obj = resource.server_side_apply(
            body=obj, name=obj["metadata"]["name"], namespace=ns, field_manager="hearth", force_conflicts=True, **kwargs
        ).to_dict()
        return applied

    def patch(self, api_version: str, kind: str, name: str, namespace: str | None, body: Obj) -> None:
        """Merge-patch an object (labels, annotations, a ConfigMap's data keys)."""
        resource = self._resource(api_version, kind)
        if resource is None:
            raise ValueError(f"the cluster does not serve {api_version} {kind}")
        resource.patch(
            body=body,
            name=name,
            namespace=namespace if resource.namespaced else None,
            content_type="application/merge-patch+json",
        )

    def create(self, obj: Obj, namespace: str | None = None) -> None:
        """Create an object (no-op when it exists already)."""
        resource = self._resource(str(obj["apiVersion"]), str(obj["kind"]))
        if resource is None:
            raise ValueError(f"the cluster does not serve {obj['apiVersion']} {obj['kind']}")
        try:
            resource.create(body=obj, namespace=namespace if resource.namespaced else None)
        except ApiException as exc:
            if exc.status != 409:
                raise

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> bool:
        """Delete an object; False when it was not there."""
        resource = self._resource(api_version, kind)
        if resource is None:
            return False
        try:
            resource.delete(name=name, namespace=namespace if resource.namespaced else None)
        except NotFoundError:
            return False
        return True

    def service_get(self, namespace: str, service: str, port: int | str, path: str) -> tuple[int, str]:
        """GET ``path`` on a Service through the API server's service proxy: (HTTP status, body)."""
        try:
            response: Any = self.core.connect_get_namespaced_service_proxy_with_path(
                f"{service}:{port}", namespace, path.lstrip("/"), _preload_content=False
            )
        except ApiException as exc:
            return int(exc.status or 0), str(exc.body or exc.reason or "")
        return int(response.status), response.data.decode(errors="replace")

    def events(self, namespace: str, name: str, last: int = 3) -> list[str]:
        """The last events about an object, oldest first, as ``Reason: message`` lines."""
        items: Any = self.core.list_namespaced_event(
            namespace, field_selector=f"involvedObject.name={name}", _preload_content=False
        )
        events = json.loads(items.data).get("items") or []
        events.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
        return [f"{e.get('reason', '')}: {e.get('message', '')}".strip() for e in events[-last:]]
