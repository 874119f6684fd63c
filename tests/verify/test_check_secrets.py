"""Section 8, secrets: every Vault read is served, every named Secret is created, no plaintext credential.

The seed build passes all three; each rule fails on a build with one planted fault.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.verify.report import run_check
from hearth.verify.secrets.plaintext import (
    _LITERAL_SEARCH,
    ASSIGNMENT,
    LITERALS,
    SECRET_KEY,
    TOKENS,
    Finding,
    _high_entropy,
    scan_text,
)

PRIVATE_KEY = "-----BEGIN " + "RSA PRIVATE KEY-----"  # split so this file is not itself a finding


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("secrets") / "build"
    render(load_catalog(None), out)
    return out


def _copy(build: Path, tmp_path: Path) -> Path:
    out = tmp_path / "build"
    shutil.copytree(build, out)
    for stamp in (".hearth-build", ".hearth-index"):  # edited by hand now: audited as it is, not against its index
        (out / stamp).unlink(missing_ok=True)
    return out


def test_seed_reads_are_served_and_nothing_is_plaintext(seed_build: Path) -> None:
    section = run_check(seed_build).section("secrets")
    assert section.reads and not section.unserved, [r.problem for r in section.unserved]
    assert {r.server for r in section.reads} == {"rotated", "grant", "operator"}
    assert section.plaintext == []
    assert section.files_scanned == sum(1 for p in seed_build.rglob("*") if p.is_file())
    assert section.missing == []
    assert len(section.synced) == 18
    assert section.to_json()["synced_exception"]["secrets"] == section.synced


def test_oidc_client_entries_are_served_by_the_bootstrap(seed_build: Path) -> None:
    section = run_check(seed_build).section("secrets")
    oidc = [r for r in section.reads if r.path.endswith("/oidc")]
    assert len(oidc) >= 10
    assert {(r.server, r.detail) for r in oidc} == {("grant", "sso/clients.json")}


def _edit_manifest(build: Path, rel: str, kind: str, edit: object) -> None:
    path = build / rel
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    target = next(d for d in docs if d["kind"] == kind)
    edit(target)  # type: ignore[operator]
    path.write_text(yaml.safe_dump_all(docs))


@pytest.mark.parametrize(
    ("annotation", "path", "problem"),
    [
        ("redis", "database/creds/valkey-vaultwarden", "nothing serves"),
        ("amqp", "rabbitmq/creds/vaultwarden", "do not grant read"),
        ("other", "kv/data/data/ghost/app", "do not grant read"),
    ],
)
def test_an_unserved_or_ungranted_path_fails(
    seed_build: Path, tmp_path: Path, annotation: str, path: str, problem: str
) -> None:
    build = _copy(seed_build, tmp_path)

    def annotate(doc: dict[str, object]) -> None:
        meta = doc["spec"]["template"]["metadata"]  # type: ignore[index]
        meta["annotations"][f"vault.hashicorp.com/agent-inject-secret-{annotation}"] = path

    _edit_manifest(build, "manifests/vaultwarden.yaml", "StatefulSet", annotate)
    if annotation == "redis":  # granted by the policy, but no database role serves it
        policy = build / "vault" / "policies" / "vaultwarden.hcl"
        policy.write_text(policy.read_text() + f'\npath "{path}" {{\n  capabilities = ["read"]\n}}\n')
    report = run_check(build)
    section = report.section("secrets")
    (read,) = section.unserved
    assert read.path == path and problem in read.problem
    assert report.status("secrets") == "fail"


def test_a_secret_nothing_creates_fails(seed_build: Path, tmp_path: Path) -> None:
    build = _copy(seed_build, tmp_path)
    rel = next(p for p in (build / "manifests").glob("*.yaml") if "kind: ExternalSecret" in p.read_text())
    docs = [d for d in yaml.safe_load_all(rel.read_text()) if d]
    dropped = next(d for d in docs if d["kind"] == "ExternalSecret")
    rel.write_text(yaml.safe_dump_all([d for d in docs if d is not dropped]))
    missing = {s.name for s in run_check(build).section("secrets").missing}
    assert dropped["spec"]["target"]["name"] in missing


def test_a_planted_private_key_fails_the_scan(seed_build: Path, tmp_path: Path) -> None:
    build = _copy(seed_build, tmp_path)
    (build / "ansible" / "leaked.pem").write_text(f"{PRIVATE_KEY}\nMIIEow...\n")
    section = run_check(build).section("secrets")
    assert [(f.file, f.line, f.kind) for f in section.plaintext] == [("ansible/leaked.pem", 1, "private key")]
    assert section.failed


LEAKS = [
    ("values.yaml", "  password: Zr8vQ2mKx7LpW4tN9sBq", "high-entropy value under 'password'"),
    ("app.env", "export API_KEY='f3a9c1e07b5d4a2c9e8f1b6d'", "high-entropy value under 'API_KEY'"),
    ("conf.json", '  "client_secret": "p9Xk2Lm8Qr4Tz7Wv1Ny5",', "high-entropy value under 'client_secret'"),
    ("token.txt", "token: hvs." + "CAESIJ1x7Lq9Zk2m8RtW4pY6vN0aBcDe", "Vault token"),
    ("gl.txt", "url: https://x/?t=glpat-" + "Ab3dEf6hIj9kLm2nOp5q", "GitLab token"),
    ("aws.ini", "aws_access_key_id=AKIA" + "QWERTYUIOPASDFGH", "AWS access key id"),
]
# One sample per token format (split so that this file holds none whole): each must still be found once the
# scan skips, per file, the patterns whose literal text (plaintext.LITERALS) the file lacks.
TOKEN_SAMPLES = {
    "private key": "-----BEGIN RSA " + "PRIVATE KEY-----",
    "AWS access key id": "key=ASIA" + "QWERTYUIOPASDFGH",
    "GitHub token": "gh: ghp_" + "A" * 36,
    "GitLab token": "t: glpat-" + "Ab3dEf6hIj9kLm2nOp5q",
    "Slack token": "hook: xoxb-" + "1234567890-abc",
    "Vault token": "t: hvb." + "CAESIJ1x7Lq9Zk2m8RtW4pY6vN0aBcDe",
    "JSON Web Token": "jwt: eyJ" + "hbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4",
    "Google API key": "k: AIza" + "SyA1234567890abcdefghijklmnopqrstuv",
    "Stripe live key": "k: sk_live_" + "0123456789abcdefghijklmn",
}


def test_every_token_format_has_a_literal_and_a_sample() -> None:
    assert LITERALS.keys() == TOKENS.keys() == TOKEN_SAMPLES.keys()


_FRAGMENTS = st.sampled_from(
    [word for words in LITERALS.values() for word in words]
    + [word[:-1] for words in LITERALS.values() for word in words]
    + [word[1:] for words in LITERALS.values() for word in words]
    + [word.lower() for words in LITERALS.values() for word in words]
    + ["\n", " ", "é", "x", "_", "."]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_FRAGMENTS | st.text(max_size=4), max_size=12).map("".join))
def test_one_search_per_kind_is_a_test_of_each_literal(text: str) -> None:
    """The scan tests a file for a kind's literals with one expression (plaintext._LITERAL_SEARCH): it holds a
    match exactly when the file holds one of the literals."""
    for kind, words in LITERALS.items():
        assert bool(_LITERAL_SEARCH[kind].search(text)) == any(word in text for word in words), (kind, text)


@pytest.mark.parametrize(("kind", "line"), TOKEN_SAMPLES.items(), ids=list(TOKEN_SAMPLES))
def test_scan_finds_each_token_format(kind: str, line: str) -> None:
    findings = scan_text("f.txt", f"# header\n{line}\nplain: text\n")
    assert [(f.line, f.kind) for f in findings] == [(2, kind)]


CLEAN = [
    "  password: {secret: gitlab-postgresql, key: password}",
    "  existingSecret: harbor-database",
    "    vault.hashicorp.com/agent-inject-secret-postgres: database/creds/postgresql-harbor",
    "export database__connection__password='{{ (index .Data \"password\") }}'",
    "  DATABASE_URL_FILE: /vault/secrets/postgres-database-url-file",
    '   "sha256": "3ae19d9a1d71626b798ba2d7797b4da876b2cad3801b914a2a8badd69dbb3654",',
    "  tokenKey: nextcloud-token",
    "  password_key: PASSWORD_FROM_VAULT_AGENT_FILE",
]


@pytest.mark.parametrize(("rel", "line", "kind"), LEAKS, ids=[leak[0] for leak in LEAKS])
def test_scan_finds_each_leak(rel: str, line: str, kind: str) -> None:
    findings = scan_text(rel, f"# header\n{line}\n")
    assert [(f.line, f.kind) for f in findings] == [(2, kind)]


@pytest.mark.parametrize("line", CLEAN)
def test_scan_keeps_references_and_names(line: str) -> None:
    assert scan_text("x.yaml", line) == []


def _every_line(rel: str, text: str) -> list[Finding]:
    """The scan as it was written first: every line of the text, each matched against every rule."""
    out = []
    patterns = [(kind, pattern) for kind, pattern in TOKENS.items() if any(word in text for word in LITERALS[kind])]
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = [Finding(rel, number, kind) for kind, pattern in patterns if pattern.search(line)]
        out += tokens
        found = ASSIGNMENT.match(line)
        if not tokens and found and SECRET_KEY.search(found.group(1)) and _high_entropy(found.group(2)):
            out.append(Finding(rel, number, f"high-entropy value under {found.group(1)!r}"))
    return out


def test_the_scan_finds_what_a_scan_of_every_line_finds(seed_build: Path) -> None:
    """scan_text looks only at the lines where a secret-like key occurs (unless a token's literal is in the file):
    on every file of the seed build, with the leaks planted at the start, in the middle and at the end (without a
    final newline), in lower and mixed case, beside non-ASCII text and with other line ends, it finds the same."""
    leaks = [line for _, line, kind in LEAKS if kind.startswith("high-entropy")]
    planted = 0
    for path in sorted(p for p in seed_build.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        lines = text.splitlines()
        leak = leaks[planted % len(leaks)]
        middle = len(lines) // 2
        variants = [
            text,
            "\n".join([leak.upper(), *lines[:middle], leak, *lines[middle:], leak]),
            "\n".join(["# é ſ", *lines[:middle], leak.swapcase(), *lines[middle:]]) + "\n",
            "\r\n".join([*lines[:middle], leak, *lines[middle:]]),
        ]
        for variant in variants:
            assert scan_text("f", variant) == _every_line("f", variant), path
        planted += 1
    assert planted > 1000
    assert scan_text("f", "\n".join(["a: b", leaks[0], "c: d", leaks[1]])) == [
        Finding("f", 2, "high-entropy value under 'password'"),
        Finding("f", 4, "high-entropy value under 'API_KEY'"),
    ]


def test_seed_vault_runs_raft_behind_a_tls_listener(seed_build: Path) -> None:
    (server,) = run_check(seed_build).section("secrets").servers
    assert (server.release, server.mode, server.storage, server.tls, server.problems) == (
        "vault",
        "ha-raft",
        "raft",
        True,
        [],
    )


FILE_BACKEND = 'listener "tcp" {\n  tls_cert_file = "/t/tls.crt"\n}\nstorage "file" {\n  path = "/vault/data"\n}\n'
PLAIN_LISTENER = 'listener "tcp" {\n  tls_disable = 1\n}\nstorage "raft" {\n  path = "/vault/data"\n}\n'


def _standalone(config: str | None) -> object:
    """An edit of Vault's values: HA off, the standalone config set (None: the chart's default, file storage)."""

    def edit(values: dict[str, object]) -> None:
        server = values["server"]
        assert isinstance(server, dict)
        server["ha"] = {"enabled": False}
        server["standalone"] = {"enabled": True, **({"config": config} if config is not None else {})}

    return edit


def _raft_config(old: str, new: str) -> object:
    def edit(values: dict[str, object]) -> None:
        raft = values["server"]["ha"]["raft"]  # type: ignore[index]
        raft["config"] = raft["config"].replace(old, new)

    return edit


def _chart_tls_off(values: dict[str, object]) -> None:
    values["global"]["tlsDisable"] = True  # type: ignore[index]


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (_standalone(FILE_BACKEND), "storage is 'file' (standalone config), not integrated storage (raft)"),
        (_standalone(None), "storage is 'file' (standalone config)"),
        (_standalone(PLAIN_LISTENER), "the listener sets tls_disable"),
        (_raft_config('  tls_cert_file = "/vault/userconfig/vault-server-tls/tls.crt"\n', ""), "no tls_cert_file"),
        (_raft_config('storage "raft"', 'storage "consul"'), "storage is 'consul' (ha-raft config)"),
        (_chart_tls_off, "global.tlsDisable is not false"),
    ],
)
def test_a_vault_off_raft_or_off_tls_fails(seed_build: Path, tmp_path: Path, edit: object, problem: str) -> None:
    build = _copy(seed_build, tmp_path)
    path = build / "values" / "vault.yaml"
    values = yaml.safe_load(path.read_text())
    edit(values)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(values))
    report = run_check(build)
    (server,) = report.section("secrets").servers
    assert any(problem in p for p in server.problems), server.problems
    assert any(f.subject == "Vault server vault" for f in report.findings() if f.section == "secrets")
