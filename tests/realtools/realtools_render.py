"""What the realtools tests read out of the rendered seed, and how a rendered command is pointed at loopback.

Only addresses and mount paths are rewritten, each replacement asserted to have happened: the in-cluster Service
name and port become 127.0.0.1 and the test server's port, ``/vault/secrets`` and ``/backup`` become temporary
directories. Everything else runs exactly as rendered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from realtools_servers import LOOPBACK

from hearth.render.helmtests import TEST_LABEL
from hearth.render.model import Manifest, RenderedPlatform

INJECT = "vault.hashicorp.com"


@dataclass(frozen=True)
class HelmTestPod:
    """A chart's Helm test pod: its image and command, and the Service host and port it probes."""

    image: str
    command: list[str]
    host: str
    port: int


def helm_test(seed: RenderedPlatform, chart: str) -> HelmTestPod:
    """The test pod of ``chart``; the port is the one its egress NetworkPolicy opens (rendered alongside)."""
    (pod,) = seed.charts[chart].tests
    (container,) = pod["spec"]["containers"]
    target = pod["metadata"]["annotations"]["hearth.dev/connects-to"]  # namespace/service:port-name
    namespace, rest = target.split("/", 1)
    service = rest.split(":", 1)[0]
    (egress,) = [
        m
        for m in seed.component_manifests(seed.charts[chart].component)
        if m["kind"] == "NetworkPolicy"
        and TEST_LABEL in m["spec"]["podSelector"].get("matchLabels", {})
        and "Egress" in m["spec"]["policyTypes"]
    ]
    port = int(egress["spec"]["egress"][0]["ports"][0]["port"])
    return HelmTestPod(container["image"], list(container["command"]), f"{service}.{namespace}.svc", port)


def localize(command: list[str], host: str, port: int, new_port: int) -> list[str]:
    """``command`` with the Service ``host`` replaced by 127.0.0.1 and its ``port`` by ``new_port``.

    An argument that is exactly the port is replaced; inside an argument that names the host (a URL, a shell
    script), the port is replaced where it stands as a number of its own.
    """
    out = []
    for arg in command:
        if arg == str(port):
            out.append(str(new_port))
        elif host in arg:
            arg = arg.replace(host, LOOPBACK)
            out.append(re.sub(rf"(?<![\d.]){port}(?!\d)", str(new_port), arg))
        else:
            out.append(arg)
    joined = " ".join(out)
    assert ".svc" not in joined and str(new_port) in joined, f"not pointed at loopback: {out}"
    return out


def replace_exactly(text: str, replacements: Mapping[str, str]) -> str:
    """``text`` with each key replaced by its value; every key must occur (else the rendering changed shape)."""
    for old, new in replacements.items():
        assert old in text, f"{old!r} not found in:\n{text}"
        text = text.replace(old, new)
    return text


@dataclass(frozen=True)
class DumpJob:
    """A rendered dump CronJob's pod: the dump and upload scripts, the upload env and the Vault annotations."""

    dump_script: str
    dump_image: str
    upload_script: str
    upload_env: dict[str, str]
    annotations: dict[str, str]

    @property
    def role(self) -> str:
        return self.annotations[f"{INJECT}/role"]

    def secret_path(self, name: str) -> str:
        return self.annotations[f"{INJECT}/agent-inject-secret-{name}"]

    def template(self, name: str) -> str:
        return self.annotations[f"{INJECT}/agent-inject-template-{name}"]


def dump_job(seed: RenderedPlatform, component: str) -> DumpJob:
    (cron,) = [
        m
        for m in seed.charts[component].manifests
        if m["kind"] == "CronJob" and m["metadata"]["name"] == f"{component}-backup"
    ]
    pod: Manifest = cron["spec"]["jobTemplate"]["spec"]["template"]
    (dump,) = pod["spec"]["initContainers"]
    (upload,) = pod["spec"]["containers"]
    assert dump["command"][:2] == ["/bin/sh", "-c"] and upload["command"][:2] == ["/bin/sh", "-c"]
    env = {e["name"]: e["value"] for e in upload["env"]}
    return DumpJob(dump["command"][2], dump["image"], upload["command"][2], env, dict(pod["metadata"]["annotations"]))


def service_env(seed: RenderedPlatform, component: str, container: str) -> dict[str, Any]:
    """The literal env of ``container`` in ``component``'s StatefulSet or Deployment."""
    for manifest in seed.charts[component].manifests:
        if manifest["kind"] in ("StatefulSet", "Deployment"):
            for c in manifest["spec"]["template"]["spec"]["containers"]:
                if c["name"] == container:
                    return {e["name"]: e.get("value") for e in c.get("env", [])}
    raise AssertionError(f"no container {container!r} in {component}")
