"""The log collector's configuration, rendered from the catalog: Grafana Alloy tailing pod logs into Loki.

The provider of ``log-collector`` (Grafana Alloy, a DaemonSet) gets, in its chart values (grafana/alloy chart
``alloy.configMap.content``, ``alloy.mounts.extra``, ``controller.volumes.extra``):

* an Alloy configuration (its own syntax, grafana.com/docs/alloy/latest/get-started/configuration-syntax/) that
  discovers the pods of its own node (``discovery.kubernetes`` with a ``spec.nodeName`` field selector, the node
  name from the chart's ``HOSTNAME`` env), labels each container's stream with ``namespace``, ``pod``,
  ``container`` and ``component``, tails ``/var/log/pods/*<uid>/<container>/*.log`` (``local.file_match`` and
  ``loki.source.file``), parses the CRI line format (``loki.process`` ``stage.cri``) and pushes to the ``logs``
  provider's push API (``loki.write``), whose address comes from the resolved provider, never a literal;
* the ``component`` label is the catalog's: one relabel rule per pod the catalog knows, matching its namespace and
  the labels its NetworkPolicy selects it by, so a log line is attributed exactly as the pod's traffic is;
* the host paths of its ``host-path`` security exceptions, each mounted read-only, and nothing else of the host;
  an emptyDir for each of its ``writable_paths`` (the root filesystem is read-only).

The pipeline follows Alloy's own guide for pod logs from files (grafana/alloy docs/sources/collect/
logs-in-kubernetes.md: the node field selector with ``sys.env("HOSTNAME")``, the ``__path__`` relabel from the pod
uid and container name, ``stage.cri``). Other components' values are returned unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from hearth.catalog.models import Component
from hearth.resolve.endpoints import provider_endpoint
from hearth.resolve.records import Resolved

CAPABILITY = "log-collector"
PUSH_PATH = "/loki/api/v1/push"
LOG_ROOT = "/var/log/pods"
STREAM_LABELS = ("namespace", "pod", "container", "component")
_RE2_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\])")


def _label_meta(label: str) -> str:
    """The discovery meta label of a pod label (Prometheus sanitizes every non-alphanumeric to ``_``)."""
    return "__meta_kubernetes_pod_label_" + re.sub(r"[^A-Za-z0-9_]", "_", label)


def _string(text: str) -> str:
    """An Alloy string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(items: list[str]) -> str:
    return "[" + ", ".join(_string(i) for i in items) + "]"


def _rule(attrs: list[tuple[str, str]]) -> list[str]:
    width = max(len(k) for k, _ in attrs)
    return ["\trule {", *(f"\t\t{k.ljust(width)} = {v}" for k, v in attrs), "\t}", ""]


def component_rules(resolved: Resolved) -> list[list[tuple[str, str]]]:
    """One relabel rule per pod of the catalog: its namespace and selector labels -> ``component``."""
    rules = []
    for pod in sorted(resolved.pods.values(), key=lambda p: p.key):
        labels = sorted(pod.labels.items())
        sources = ["__meta_kubernetes_namespace", *(_label_meta(k) for k, _ in labels)]
        regex = ";".join(_RE2_SPECIAL.sub(r"\\\1", v) for v in [pod.namespace, *(v for _, v in labels)])
        rules.append(
            [
                ("source_labels", _list(sources)),
                ("separator", _string(";")),
                ("regex", _string(regex)),
                ("target_label", _string("component")),
                ("replacement", _string(pod.component)),
            ]
        )
    return rules


def alloy_config(resolved: Resolved, push_url: str) -> str:
    """The collector's whole configuration (module docstring), pushing to ``push_url``."""
    out = [
        "// Rendered by hearth from the catalog: pod logs of this node to Loki.",
        'logging {\n\tlevel  = "info"\n\tformat = "logfmt"\n}',
        "",
        'discovery.kubernetes "pods" {',
        '\trole = "pod"',
        "",
        "\tselectors {",
        '\t\trole  = "pod"',
        '\t\tfield = "spec.nodeName=" + sys.env("HOSTNAME")',
        "\t}",
        "}",
        "",
        'discovery.relabel "pod_logs" {',
        "\ttargets = discovery.kubernetes.pods.targets",
        "",
    ]
    for label, meta in (
        ("namespace", "__meta_kubernetes_namespace"),
        ("pod", "__meta_kubernetes_pod_name"),
        ("container", "__meta_kubernetes_pod_container_name"),
    ):
        out += _rule([("source_labels", _list([meta])), ("target_label", _string(label))])
    for rule in component_rules(resolved):
        out += _rule(rule)
    out += _rule(
        [
            ("source_labels", _list(["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"])),
            ("separator", _string("/")),
            ("target_label", _string("__path__")),
            ("replacement", _string(f"{LOG_ROOT}/*$1/*.log")),
        ]
    )
    out[-1:] = ["}", ""]
    out += [
        'local.file_match "pod_logs" {',
        "\tpath_targets = discovery.relabel.pod_logs.output",
        "}",
        "",
        'loki.source.file "pod_logs" {',
        "\ttargets    = local.file_match.pod_logs.targets",
        "\tforward_to = [loki.process.pod_logs.receiver]",
        "}",
        "",
        'loki.process "pod_logs" {',
        "\tstage.cri { }",
        "",
        "\tforward_to = [loki.write.loki.receiver]",
        "}",
        "",
        'loki.write "loki" {',
        "\tendpoint {",
        f"\t\turl = {_string(push_url)}",
        "\t}",
        "}",
    ]
    return "\n".join(out).replace("\t", "  ") + "\n"


def push_url(resolved: Resolved) -> str | None:
    """The push API of the ``logs`` provider (Loki), by its Service, or None when the platform has none."""
    logs = provider_endpoint(resolved, "logs")
    if logs is None:
        return None
    return f"http://{logs.host}.cluster.local:{logs.pod.service_port(logs.port)}{PUSH_PATH}"


def host_paths(component: Component) -> list[str]:
    """The host directories the component's ``host-path`` exceptions grant (each exception's value)."""
    return [e.value for e in component.security.exceptions if e.kind == "host-path" and e.value]


def _volume_name(path: str, kind: str = "host") -> str:
    return kind + re.sub(r"[^a-z0-9]+", "-", path.lower()).rstrip("-")


def with_log_collector(resolved: Resolved, component: Component, values: dict[str, Any]) -> dict[str, Any]:
    """The collector's chart values with its configuration and exactly its granted host paths, read-only."""
    url = push_url(resolved)
    if CAPABILITY not in component.capabilities() or url is None:
        return values
    alloy = dict(values.get("alloy", {}))
    controller = dict(values.get("controller", {}))
    paths = host_paths(component)
    mounts = dict(alloy.get("mounts", {}))
    mounts["extra"] = [
        *mounts.get("extra", []),
        *({"name": _volume_name(p), "mountPath": p, "readOnly": True} for p in paths),
    ]
    writable = component.security.writable_paths
    mounts["extra"] += [{"name": _volume_name(p, "scratch"), "mountPath": p} for p in writable]
    volumes = dict(controller.get("volumes", {}))
    volumes["extra"] = [
        *volumes.get("extra", []),
        *({"name": _volume_name(p), "hostPath": {"path": p, "type": "Directory"}} for p in paths),
        *({"name": _volume_name(p, "scratch"), "emptyDir": {}} for p in writable),
    ]
    alloy["mounts"] = mounts
    # The chart passes content through `tpl`; the configuration has no `{{`, so it is taken as written.
    alloy["configMap"] = {**alloy.get("configMap", {}), "create": True, "content": alloy_config(resolved, url)}
    controller["volumes"] = volumes
    return {**values, "alloy": alloy, "controller": controller}
