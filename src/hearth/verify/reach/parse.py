"""Strict readers of the manifest fields the reachability model depends on.

Where the API server would reject a field in a way that changes the answer (a label value that is not a string,
an unknown protocol, a selector operator without values), these raise :class:`ManifestError` naming the file,
line and field, rather than guess. :func:`pod_endpoint` reads the one endpoint a Pod or workload stands for.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hearth.verify.build.manifests import Document
from hearth.verify.reach.records import PROTOCOLS, ContainerPort, Endpoint
from hearth.verify.reach.validation import label_key, label_value, port_name

__all__ = [
    "DEFAULT_NAMESPACE",
    "Selector",
    "api_group",
    "as_document",
    "field_labels",
    "field_list",
    "field_mapping",
    "field_protocol",
    "field_selector",
    "field_string",
    "object_meta",
    "pod_endpoint",
]

DEFAULT_NAMESPACE = "default"
_IN_MEMORY = Path("<input>")

#: A LabelSelector in hashable form: (sorted matchLabels items, matchExpressions as (key, operator, values)).
Selector = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, tuple[str, ...]], ...]]


def as_document(item: Document | Mapping[str, Any], index: int) -> Document:
    """Accept in-memory objects as well as loaded documents (they report as ``<input>:N``)."""
    if isinstance(item, Document):
        return item
    return Document(_IN_MEMORY, index + 1, dict(item))


def api_group(doc: Document) -> str | None:
    """The API group of ``apiVersion`` (``""`` for core), or None when absent."""
    version = doc.obj.get("apiVersion")
    if not isinstance(version, str):
        return None
    return version.rpartition("/")[0] if "/" in version else ""


def field_mapping(doc: Document, value: object, what: str) -> dict[str, Any]:
    """``value`` as a mapping (``None`` is empty) or a ManifestError naming the field."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise doc.error(f"{what}: expected a mapping")
    return value


def field_list(doc: Document, value: object, what: str) -> list[Any]:
    """``value`` as a list (``None`` is empty) or a ManifestError naming the field."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise doc.error(f"{what}: expected a list")
    return value


def field_string(doc: Document, value: object, what: str) -> str:
    """``value`` as a non-empty string or a ManifestError naming the field."""
    if not isinstance(value, str) or not value:
        raise doc.error(f"{what}: expected a non-empty string")
    return value


def field_labels(doc: Document, value: object, what: str) -> dict[str, str]:
    """A label map; keys and values must be strings of label syntax, as the API server requires (``1``/``true``
    are not strings; ``a=b`` is no key)."""
    labels = field_mapping(doc, value, what)
    for key, val in labels.items():
        if not isinstance(key, str) or not isinstance(val, str):
            raise doc.error(f"{what}: label {key!r} must map a string to a string (quote {val!r})")
        label_key(doc, key, what)
        label_value(doc, val, f"{what}.{key}")
    return labels


def object_meta(doc: Document) -> tuple[str, str]:
    """(namespace, name) of a namespaced object; namespace defaults to ``default``."""
    meta = field_mapping(doc, doc.obj.get("metadata"), "metadata")
    name = meta.get("name") or meta.get("generateName")
    namespace = meta.get("namespace") or DEFAULT_NAMESPACE
    return field_string(doc, namespace, "metadata.namespace"), field_string(doc, name, f"{doc.kind}: metadata.name")


def pod_endpoint(doc: Document, namespace: str, name: str, path: tuple[str, ...]) -> Endpoint:
    """The single pod standing for a Pod or workload: labels, container ports and IPs."""
    template: dict[str, Any] = doc.obj
    where = doc.kind
    for key in path:
        where += f".{key}"
        template = field_mapping(doc, template.get(key), where)
    meta = field_mapping(doc, template.get("metadata"), f"{where}.metadata")
    labels = field_labels(doc, meta.get("labels"), f"{where}.metadata.labels")
    spec = field_mapping(doc, template.get("spec"), f"{where}.spec")
    containers = list(field_list(doc, spec.get("containers"), "containers"))
    for init in field_list(doc, spec.get("initContainers"), "initContainers"):
        if isinstance(init, dict) and init.get("restartPolicy") == "Always":  # sidecar containers
            containers.append(init)
    ports: list[ContainerPort] = []
    for container in containers:
        for entry in field_list(doc, field_mapping(doc, container, "container").get("ports"), "container ports"):
            port = field_mapping(doc, entry, "container port")
            number = port.get("containerPort")
            if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 65535:
                raise doc.error(f"{namespace}/{name}: containerPort {number!r} is not a port number")
            protocol = field_protocol(doc, port.get("protocol"))
            named = port.get("name")
            if named is not None:
                port_name(doc, field_string(doc, named, f"{namespace}/{name}: ports[].name"), f"{where}: ports[].name")
            ports.append(ContainerPort(number, protocol, named if isinstance(named, str) else None))
    ips: list[str] = []
    if not path:  # only real Pods carry a status
        status = field_mapping(doc, doc.obj.get("status"), "status")
        raw = [status.get("podIP")] + [
            field_mapping(doc, item, "status.podIPs").get("ip")
            for item in field_list(doc, status.get("podIPs"), "podIPs")
        ]
        for value in raw:
            if value:
                try:
                    ip = str(ipaddress.ip_address(str(value)))
                except ValueError:
                    raise doc.error(f"{namespace}/{name}: pod IP {value!r} is not an IP address") from None
                if ip not in ips:
                    ips.append(ip)
    return Endpoint(
        name=f"{namespace}/{name}",
        kind=doc.kind,
        namespace=namespace,
        labels=labels,
        ips=tuple(ips),
        ports=tuple(sorted(set(ports), key=lambda p: (p.number, p.protocol, p.name or ""))),
    )


def field_protocol(doc: Document, value: object, where: str = "protocol") -> str:
    """A protocol name, TCP when absent; anything but TCP/UDP/SCTP is an error."""
    if value is None:
        return "TCP"
    if value not in PROTOCOLS:
        raise doc.error(f"{where}: {value!r}: supported values: {', '.join(PROTOCOLS)}")
    return str(value)


def field_selector(doc: Document, value: object, what: str) -> Selector:
    """Parse a LabelSelector into a hashable form, rejecting what the API server rejects."""
    sel = field_mapping(doc, value, what)
    labels = field_labels(doc, sel.get("matchLabels"), f"{what}.matchLabels")
    exprs: list[tuple[str, str, tuple[str, ...]]] = []
    for raw in field_list(doc, sel.get("matchExpressions"), f"{what}.matchExpressions"):
        expr = field_mapping(doc, raw, f"{what}.matchExpressions[]")
        key = label_key(doc, field_string(doc, expr.get("key"), f"{what}.matchExpressions[].key"), what)
        op = expr.get("operator")
        values = field_list(doc, expr.get("values"), f"{what}.matchExpressions[].values")
        if not all(isinstance(v, str) for v in values):
            raise doc.error(f"{what}.matchExpressions: values of {key!r} must be strings")
        for value in values:
            label_value(doc, str(value), f"{what}.matchExpressions[].values")
        if op in ("In", "NotIn") and not values:
            raise doc.error(f"{what}.matchExpressions: operator {op} on {key!r} needs values")
        if op in ("Exists", "DoesNotExist") and values:
            raise doc.error(f"{what}.matchExpressions: operator {op} on {key!r} takes no values")
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise doc.error(f"{what}.matchExpressions: unsupported operator {op!r}")
        exprs.append((key, str(op), tuple(sorted(values))))
    return tuple(sorted(labels.items())), tuple(exprs)
