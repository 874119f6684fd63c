"""Adding a service is one small YAML file: the wiring follows from what its needs provide."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tools import RunHearth

WIKI = """\
name: wiki
display_name: Wiki
namespace: utilities
version: v1.0.0
install: {method: hearth, reason: A single Deployment.}
image: {repository: docker.io/example/wiki, tag: "1.2.3"}
ports: [{name: http, port: 3000}]
health: {kind: http, port: http, path: /healthz}
resources:
  requests: {cpu: 50m, memory: 64Mi}
  limits: {cpu: 200m, memory: 256Mi}
needs: [traefik, postgresql, vault, authentik]
web: {host: wiki, port: http, sso: oidc}
tags: [apps]
"""


def _objects(path: Path) -> list[dict[str, object]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_one_file_gives_a_wired_audited_service(hearth: RunHearth, tmp_path: Path) -> None:
    catalog, build = tmp_path / "catalog", tmp_path / "build"
    assert hearth("init", str(catalog)).exit_code == 0
    (catalog / "services" / "utilities" / "wiki.yaml").write_text(WIKI)

    result = hearth("build", "--platform", str(catalog), "--out", str(build), "--quiet", "--report", "json")
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    assert report["sections"]["zero_trust"]["status"] == "pass", report["sections"]["zero_trust"]["summary"]

    objects = _objects(build / "manifests" / "wiki.yaml")
    kinds = {str(o["kind"]) for o in objects}
    assert {
        "Deployment",
        "Service",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "IngressRoute",
        "Certificate",
        "Pod",
    } <= kinds
    (policy,) = [o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "wiki"]  # type: ignore[index]
    egress_ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}  # type: ignore[index]
    assert {5432, 8200, 9000} <= egress_ports, "postgres, vault and the identity provider, from their capabilities"
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]  # type: ignore[index]
    assert annotations["vault.hashicorp.com/agent-inject-secret-postgres"] == "database/static-creds/postgresql-wiki"
    policy_file = (build / "vault" / "policies" / "wiki.hcl").read_text()
    assert 'path "database/static-creds/postgresql-wiki"' in policy_file
    release = next(r for r in yaml.safe_load((build / "helmfile.yaml").read_text())["releases"] if r["name"] == "wiki")
    assert "db/postgresql" in release["needs"] and release["labels"]["tier"] == "apps"
