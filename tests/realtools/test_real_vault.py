"""The seed's rendered Vault files against OpenBao 2.7 (``bao``, the Vault API): every policy parses and is in
canonical form, a real server enforces them (each role's token reads its own KV entries and no other component's),
and every role is accepted by the Kubernetes auth method as written; the rendered server config (raft storage, TLS
listener) runs a real server that answers over TLS only."""

from __future__ import annotations

import http.client
import json
import os
import re
import ssl
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from realtools_bao import write_tls
from realtools_render import INJECT
from realtools_servers import (
    LOOPBACK,
    Bao,
    Process,
    bao_agent_render,
    bao_server,
    cleanup,
    client_env,
    free_port,
    make_dir,
    run,
    venv_tool,
    wait_until,
)

from hearth.render.model import RenderedPlatform

POLICY_PATH = re.compile(r'^path "([^"]+)" \{\n  capabilities = \[([^\]]*)\]\n\}', re.M)


def _files(seed: RenderedPlatform, kind: str) -> dict[str, str]:
    """``vault/<kind>/<name>.<ext>`` files by name."""
    prefix = f"vault/{kind}/"
    return {Path(path).stem: text for path, text in seed.files.items() if path.startswith(prefix)}


def _policy_paths(text: str) -> dict[str, list[str]]:
    """path -> capabilities of a rendered policy (hearth renders one block per path)."""
    return {path: re.findall(r'"(\w+)"', caps) for path, caps in POLICY_PATH.findall(text)}


def _seconds(duration: str) -> int:
    """A Vault duration such as ``1h`` or ``90s`` in seconds."""
    found = re.fullmatch(r"(\d+)([smh])", duration)
    assert found, duration
    return int(found[1]) * {"s": 1, "m": 60, "h": 3600}[found[2]]


def _fmt(bao: str, name: str, text: str, work: Path) -> tuple[int, str, str]:
    """``bao policy fmt`` on a copy of the policy (it rewrites the file): (exit status, output, file after)."""
    target = work / f"{name}.hcl"
    target.write_text(text)
    proc = run([bao, "policy", "fmt", str(target)], env=client_env("/usr/bin", "/bin", home=work), timeout=30)
    return proc.returncode, proc.stdout + proc.stderr, target.read_text()


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """Scratch files for policies and agent output; pytest removes it."""
    return tmp_path


def test_bao_policy_fmt_accepts_every_policy_unchanged(rendered_seed: RenderedPlatform, work: Path) -> None:
    bao = venv_tool("bao")
    policies = _files(rendered_seed, "policies")
    assert len(policies) >= 30 and "vaultwarden" in policies and "cert-manager-pki" in policies
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(
            zip(policies, pool.map(lambda item: _fmt(bao, item[0], item[1], work), policies.items()), strict=True)
        )
    rejected = {name: out for name, (status, out, _) in results.items() if status != 0}
    assert not rejected, rejected
    reformatted = [name for name, (_, _, after) in results.items() if after != policies[name]]
    assert not reformatted, f"not in bao's canonical format: {reformatted}"


def test_bao_policy_fmt_rejects_a_broken_policy(rendered_seed: RenderedPlatform, work: Path) -> None:
    """The check above can fail: the vaultwarden policy with its last closing brace removed does not parse."""
    broken = _files(rendered_seed, "policies")["vaultwarden"].rstrip().removesuffix("}")
    status, out, _ = _fmt(venv_tool("bao"), "broken", broken, work)
    assert status != 0 and "failed to parse policy" in out, out


def _load_policies(bao: Bao, seed: RenderedPlatform) -> dict[str, dict[str, list[str]]]:
    policies = _files(seed, "policies")
    for name, text in policies.items():
        bao.must("PUT", f"sys/policies/acl/{name}", {"policy": text})
    return {name: _policy_paths(text) for name, text in policies.items()}


def test_each_role_reads_its_own_kv_entries_and_no_other(rendered_seed: RenderedPlatform) -> None:
    """For every rendered role: a token with its ``token_policies`` (what Kubernetes auth issues for it) reads
    every KV entry its policies list and is refused (403) every other component's entry."""
    roles = {name: json.loads(text) for name, text in _files(rendered_seed, "roles").items()}
    with bao_server() as bao:
        bao.must("POST", "sys/mounts/kv", {"type": "kv", "options": {"version": "2"}})
        policies = _load_policies(bao, rendered_seed)
        kv_paths = sorted({p for paths in policies.values() for p in paths if p.startswith("kv/data/")})
        assert len(kv_paths) >= 40
        for path in kv_paths:
            bao.must("POST", path, {"data": {"owner": path}})
        checked = 0
        for name, role in sorted(roles.items()):
            assert set(role["token_policies"]) <= set(policies), (name, role["token_policies"])
            granted = {p for policy in role["token_policies"] for p, caps in policies[policy].items() if "read" in caps}
            token = bao.must(
                "POST", "auth/token/create", {"policies": role["token_policies"], "ttl": role["token_ttl"]}
            )
            client_token = token["auth"]["client_token"]
            for path in kv_paths:
                status, answer = bao.api("GET", path, token=client_token)
                if path in granted:
                    assert status == 200 and answer["data"]["data"] == {"owner": path}, (name, path, status)
                else:
                    assert status == 403, (name, path, status, answer)
                checked += 1
        assert checked == len(roles) * len(kv_paths)
        # A token of the vaultwarden role, by name: its own app entry yes, rybbit's no.
        token = bao.must("POST", "auth/token/create", {"policies": roles["vaultwarden"]["token_policies"]})
        client_token = token["auth"]["client_token"]
        assert bao.api("GET", "kv/data/data/vaultwarden/app", token=client_token)[0] == 200
        assert bao.api("GET", "kv/data/data/rybbit/app", token=client_token)[0] == 403
        assert bao.api("PUT", "kv/data/data/vaultwarden/app", {"data": {"x": "y"}}, token=client_token)[0] == 403


def test_every_role_is_accepted_by_kubernetes_auth(rendered_seed: RenderedPlatform) -> None:
    """Each ``vault/roles/*.json`` posted as is to ``auth/kubernetes/role/<name>``: accepted without warnings, and
    read back with the same bindings, policies, audience and TTL."""
    roles = {name: json.loads(text) for name, text in _files(rendered_seed, "roles").items()}
    with bao_server() as bao:
        bao.must("POST", "sys/auth/kubernetes", {"type": "kubernetes"})
        for name, role in sorted(roles.items()):
            assert role["name"] == name
            status, answer = bao.api("POST", f"auth/kubernetes/role/{name}", role)
            assert status == 204 or (status == 200 and not answer.get("warnings")), (name, status, answer)
            stored = bao.must("GET", f"auth/kubernetes/role/{name}")["data"]
            for key in ("bound_service_account_names", "bound_service_account_namespaces", "token_policies"):
                assert stored[key] == role[key], (name, key, stored[key])
            assert stored["token_ttl"] == _seconds(role["token_ttl"]), (name, stored["token_ttl"], role["token_ttl"])
            assert stored.get("audience", "") == role.get("audience", ""), name


def test_kv_secret_template_renders_key_value_lines(rendered_seed: RenderedPlatform, work: Path) -> None:
    """The agent template of a KV entry no credential states a delivery for (affine's ``redis`` file), rendered by
    a real bao agent."""
    (sts,) = [m for m in rendered_seed.charts["affine"].manifests if m["kind"] == "StatefulSet"]
    annotations = sts["spec"]["template"]["metadata"]["annotations"]
    path, template = (
        annotations[f"{INJECT}/agent-inject-secret-redis"],
        annotations[f"{INJECT}/agent-inject-template-redis"],
    )
    assert path == "kv/data/productivity/affine/redis"
    with bao_server() as bao:
        bao.must("POST", "sys/mounts/kv", {"type": "kv", "options": {"version": "2"}})
        bao.must("POST", path, {"data": {"username": "affine", "password": "pw"}})
        bao.must("PUT", "sys/policies/acl/affine", {"policy": rendered_seed.files["vault/policies/affine.hcl"]})
        token = bao.must("POST", "auth/token/create", {"policies": ["affine"]})["auth"]["client_token"]
        out = bao_agent_render(bao, token, {"redis": template}, work)
        assert out["redis"].splitlines() == ["password=pw", "username=affine"], out["redis"]


def test_the_rendered_raft_tls_config_runs_a_real_server(rendered_seed: RenderedPlatform) -> None:
    """The seed's Vault server config as rendered (raft storage with its retry_join peers, the TLS listener on
    the mounted certificate, the static seal on the mounted key, telemetry) starts a real OpenBao that answers
    over TLS verified with the CA, with the environment variables HashiCorp's chart sets (VAULT_API_ADDR,
    VAULT_CLUSTER_ADDR, VAULT_RAFT_NODE_ID): the image the catalog runs in that chart. Once initialized (recovery
    keys, as the static seal gives) it comes back unsealed after a restart with no key submitted.

    Only what is the cluster's is replaced: the mount paths (a temporary directory with a certificate of a CA made
    here and a 32-byte key, as ``hearth apply`` generates it), the wildcard listen addresses (free loopback ports)
    and ``service_registration "kubernetes"``, which needs the in-cluster API. The peers' addresses stay: they do
    not resolve here, and raft keeps retrying them while the node answers."""
    config = rendered_seed.upstream["vault"].values["server"]["ha"]["raft"]["config"]
    assert 'storage "raft"' in config and "tls_cert_file" in config and 'seal "static"' in config
    root = make_dir("bao-rendered", None)
    procs: list[Process] = []
    with cleanup([root], procs):
        ca, cert, key = write_tls(root)
        seal_key = root / "seal.key"
        seal_key.write_bytes(os.urandom(32))
        (root / "data").mkdir()
        port, cluster = free_port(), free_port()
        text = (
            config.replace("/vault/userconfig/vault-server-tls/tls.crt", str(cert))
            .replace("/vault/userconfig/vault-server-tls/tls.key", str(key))
            .replace("/vault/userconfig/vault-server-tls/ca.crt", str(ca))
            .replace("/vault/userconfig/vault-seal-key/key", str(seal_key))
            .replace('path = "/vault/data"', f'path = "{root / "data"}"')
            .replace('"[::]:8200"', f'"{LOOPBACK}:{port}"')
            .replace('"[::]:8201"', f'"{LOOPBACK}:{cluster}"')
            .replace('service_registration "kubernetes" {}', "")
        )
        assert "/vault/" not in text
        (root / "bao.hcl").write_text(text)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(root),
            "VAULT_API_ADDR": f"https://{LOOPBACK}:{port}",
            "VAULT_CLUSTER_ADDR": f"https://{LOOPBACK}:{cluster}",
            "VAULT_RAFT_NODE_ID": "vault-0",
        }
        context = ssl.create_default_context(cafile=str(ca))

        def start() -> Process:
            proc = Process.start("bao", [venv_tool("bao"), "server", f"-config={root / 'bao.hcl'}"], root / "log", env)
            proc.stop_timeout = 2.0
            procs.append(proc)
            return proc

        def call(method: str, path: str, body: object = None) -> dict[str, object]:
            conn = http.client.HTTPSConnection(LOOPBACK, port, timeout=10, context=context)
            try:
                conn.request(method, f"/v1/{path}", json.dumps(body) if body is not None else None)
                return dict(json.loads(conn.getresponse().read()))
            except OSError:
                return {}
            finally:
                conn.close()

        first = start()
        wait_until(lambda: "initialized" in call("GET", "sys/seal-status"), "the rendered config's listener", procs)
        status = call("GET", "sys/seal-status")
        assert status["initialized"] is False and status["type"] == "static", status
        # Plain HTTP on the same port is refused: the listener serves TLS only.
        plain = http.client.HTTPConnection(LOOPBACK, port, timeout=5)
        try:
            plain.request("GET", "/v1/sys/seal-status")
            assert plain.getresponse().status == 400
        finally:
            plain.close()
        answer = call("POST", "sys/init", {"recovery_shares": 5, "recovery_threshold": 3})
        assert len(answer["recovery_keys_base64"]) == 5 and not answer.get("keys_base64"), sorted(answer)  # type: ignore[arg-type]
        wait_until(lambda: call("GET", "sys/seal-status").get("sealed") is False, "unsealed after init", procs)
        wait_until(lambda: bool(call("GET", "sys/leader").get("leader_address")), "an active node", procs)
        leader = call("GET", "sys/leader")
        assert leader["leader_address"] == f"https://{LOOPBACK}:{port}", leader  # VAULT_API_ADDR was read
        first.stop()
        procs.remove(first)
        start()
        unsealed = "unsealed by its key on restart"
        wait_until(lambda: call("GET", "sys/seal-status").get("sealed") is False, unsealed, procs)
