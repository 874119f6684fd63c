"""Helm test pods: each chart proves its component answers, through its Service, the way its health check says.

``http`` checks are fetched with curl, ``tcp`` checks are a ``nc -z`` connect, and ``exec`` checks run the
protocol's own client from the component's image against the Service (``pg_isready -h``, ``mysqladmin ping``,
``mongosh --eval``, ``valkey-cli ping`` piped to ``grep -q PONG``, since valkey-cli and redis-cli exit 0 on an
error reply such as NOAUTH too), or the component's own command with its loopback address replaced by the
Service. A companion chart tests the upstream Service of the pod that carries the health port.

AMQP has no client in the broker's image that works remotely without a secret (``rabbitmq-diagnostics`` needs
the Erlang cookie, the management API a user), so its test is the protocol's own opening handshake, from
busybox: send the AMQP 0-9-1 protocol header and expect the server's ``Connection.Start`` method frame back
(AMQP 0-9-1 specification, 4.2.2 and 4.2.3: frame type 1 on channel 0, class 10 method 10). A broker that
accepts TCP but is not serving AMQP fails it, and it needs no credentials.

The test pod is labelled ``hearth.dev/helm-test: <component>``. Two NetworkPolicies in the same chart let it
reach exactly that port: an egress policy on the test pod and an ingress policy on the component's pod.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hearth.capabilities import CAPABILITIES
from hearth.catalog.models import Component, Port
from hearth.contract import COMPONENT, CONNECTS_TO, HELM_TEST
from hearth.protocols import NC_IMAGE
from hearth.render.bootstrap_tls import CA_KEY, serves_tls, trust_secret
from hearth.render.defaults import metadata, restricted_container, restricted_pod
from hearth.render.model import Manifest
from hearth.render.network import POLICY_LABELS, network_policy, peer_selector
from hearth.resolve.endpoints import pod_with_port
from hearth.resolve.records import Pod, Resolved

TEST_LABEL = HELM_TEST
# curlimages/curl: curl's official image (Alpine, non-root); busybox: for `nc` (and sh, printf, od). Both pinned.
CURL_IMAGE = "docker.io/curlimages/curl:8.10.1"
UNPRIVILEGED_UID = 65532
LOOPBACK = ("127.0.0.1", "localhost", "::1")
HOOK = {"helm.sh/hook": "test", "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded"}


@dataclass(frozen=True)
class Probe:
    """What the test pod runs, from which image, against which pod and port."""

    pod: Pod
    port: Port
    image: str
    command: list[str]
    ca_secret: str | None = None
    """A Secret whose ``ca.crt`` verifies the port's TLS (the bootstrap CA's copy), mounted at :data:`CA_DIR`."""


CA_DIR = "/etc/hearth-ca"


def _exec_probe(resolved: Resolved, component: Component) -> Probe | None:
    assert component.health is not None
    if component.image is None:
        return None
    image = f"{component.image.repository}:{component.image.tag}"
    binary = component.health.command[0]
    for provide in component.provides:
        found = pod_with_port(resolved, component, provide.port) if provide.port else None
        if found is None:
            continue
        host = f"{found[0].service}.{found[0].namespace}.svc"
        health = CAPABILITIES[provide.capability].health
        client = health(binary, host, found[0].service_port(found[1])) if health is not None else None
        if client is not None:
            return Probe(found[0], found[1], client[0] or image, client[1])
    pods = resolved.pods_of(component.name)
    if not pods or not pods[0].ports:
        return None
    host = f"{pods[0].service}.{pods[0].namespace}.svc"
    command = [host if arg in LOOPBACK else _replace_loopback(arg, host) for arg in component.health.command]
    return Probe(pods[0], pods[0].ports[0], image, command) if command != component.health.command else None


def _replace_loopback(arg: str, host: str) -> str:
    for address in LOOPBACK:
        arg = arg.replace(f"={address}", f"={host}").replace(f"//{address}", f"//{host}")
    return arg


def probe(resolved: Resolved, component: Component) -> Probe | None:
    """How the component's test checks it, or None when it has no health check a test can run remotely."""
    health = component.health
    if health is None:
        return None
    if health.kind == "exec":
        return _exec_probe(resolved, component)
    assert health.port is not None
    found = pod_with_port(resolved, component, health.port)
    if found is None:
        return None
    pod, port = found
    host = f"{pod.service}.{pod.namespace}.svc"
    if health.kind == "tcp":
        return Probe(pod, port, NC_IMAGE, ["nc", "-z", "-w", "5", host, str(pod.service_port(port))])
    scheme = health.scheme.lower()
    command = ["curl", "-fsS", "--max-time", "10", "-o", "/dev/null"]
    ca_secret = trust_secret(component) if serves_tls(component, health.port) else None
    if ca_secret is not None:
        command += ["--cacert", f"{CA_DIR}/{CA_KEY}"]
    elif scheme == "https":
        command += ["--insecure"]
    url = f"{scheme}://{host}:{pod.service_port(port)}{health.path}"
    return Probe(pod, port, CURL_IMAGE, [*command, url], ca_secret)


def _test_pod(component: Component, found: Probe) -> Manifest:
    own_image = found.image not in (CURL_IMAGE, NC_IMAGE)
    uid = (component.security.run_as_user if own_image else 0) or UNPRIVILEGED_UID
    labels = {
        TEST_LABEL: component.name,
        "app.kubernetes.io/part-of": "hearth",
        "app.kubernetes.io/managed-by": "hearth",
    }
    annotations = {
        **HOOK,
        COMPONENT: component.name,
        CONNECTS_TO: f"{found.pod.namespace}/{found.pod.service}:{found.port.name}",
    }
    container: dict[str, Any] = {
        "name": "probe",
        "image": found.image,
        "imagePullPolicy": "IfNotPresent",
        "command": found.command,
        "env": [{"name": "HOME", "value": "/tmp"}],
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "200m", "memory": "256Mi"}},
        "securityContext": restricted_container(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}}]
    if found.ca_secret is not None:
        container["volumeMounts"].append({"name": "ca", "mountPath": CA_DIR, "readOnly": True})
        volumes.append(
            {"name": "ca", "secret": {"secretName": found.ca_secret, "items": [{"key": CA_KEY, "path": CA_KEY}]}}
        )
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(f"{component.name}-test", component.namespace, labels, annotations),
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": restricted_pod(uid, gid=uid),
            "containers": [container],
            "volumes": volumes,
        },
    }


def _policies(component: Component, found: Probe) -> list[Manifest]:
    test_selector = {TEST_LABEL: component.name}
    target = dict(sorted(found.pod.labels.items()))
    port = [{"protocol": found.port.protocol, "port": found.port.port}]
    labels = {**POLICY_LABELS, COMPONENT: component.name}

    test = network_policy(
        f"{component.name}-helm-test",
        component.namespace,
        labels,
        test_selector,
        ingress=[],
        egress=[{"to": [peer_selector(found.pod.namespace, target)], "ports": port}],
    )
    admit = network_policy(
        f"{component.name}-admit-helm-test",
        found.pod.namespace,
        labels,
        target,
        ingress=[{"from": [peer_selector(component.namespace, test_selector)], "ports": port}],
    )
    return [test, admit]


@dataclass
class HelmTest:
    """A chart's test: the hook pods (``ChartRender.tests``) and the policies it needs (``manifests``)."""

    tests: list[Manifest]
    manifests: list[Manifest]


def render_helm_tests(resolved: Resolved, component: Component) -> HelmTest:
    """The Helm test of a component's (companion) chart; empty when its health cannot be probed remotely."""
    found = probe(resolved, component)
    if found is None:
        return HelmTest([], [])
    return HelmTest([_test_pod(component, found)], _policies(component, found))
