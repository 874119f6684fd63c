"""Valkey's default password is generated into Vault before Valkey is asked anything: its own pod reads that entry
through its Vault agent, so it cannot start until the entry exists. Against a real OpenBao and a real
redis-server (Debian's, with the rendered flags): a bootstrap run before the server is up writes the entry and
fails as unreachable; once the server runs, the next run sets that same password on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hvac
from realtools_bao import real_bao
from realtools_render import service_env
from realtools_runs import build_files, by_name, operator_options
from realtools_servers import LOOPBACK, free_port, redis_server, resp_ping

from hearth.bootstrap import bootstrap
from hearth.catalog.loader import load_catalog
from hearth.render.model import RenderedPlatform

SEED = load_catalog(None)


def _requirepass(bao: Any, token: str) -> str | None:
    client = hvac.Client(url=bao.address, token=token, verify=str(bao.ca))
    try:
        data = client.secrets.kv.v2.read_secret_version(
            path="db/valkey/app", mount_point="kv", raise_on_deleted_version=True
        )["data"]["data"]
    except hvac.exceptions.InvalidPath:
        return None
    value = data.get("requirepass")
    return value if isinstance(value, str) else None


def test_the_password_is_in_vault_before_valkey_runs_and_set_on_it_once_it_does(
    rendered_seed: RenderedPlatform, tmp_path: Path
) -> None:
    files = build_files(rendered_seed, SEED, keep=("grants/valkey.json",))
    flags = service_env(rendered_seed, "valkey", "valkey")["VALKEY_EXTRA_FLAGS"].split()
    with real_bao("static") as bao:
        down = operator_options(bao, tmp_path, {"valkey": f"{LOOPBACK}:{free_port()}"})
        before = by_name(bootstrap(SEED, files, down))
        step = before["valkey-default-password"]
        assert step.status == "failed" and step.unreachable, step
        assert step.changes == ["default user's password: generate into Vault kv/db/valkey/app"], step
        token = json.loads(down.keys_file.read_text())["root_token"]  # type: ignore[union-attr]
        generated = _requirepass(bao, token)
        assert generated, "the entry the Valkey pod's agent waits for was not written"
        with redis_server(flags) as kv:
            assert resp_ping(kv.port) == b"+PONG"
            up = operator_options(bao, tmp_path, {"valkey": f"{LOOPBACK}:{kv.port}"})
            after = by_name(bootstrap(SEED, files, up))
            assert after["valkey-default-password"].status == "created", after["valkey-default-password"]
            assert after["valkey-acl-users"].status == "created", after["valkey-acl-users"]
            assert _requirepass(bao, token) == generated, "the password in Vault must stay the one generated"
            assert resp_ping(kv.port) == b"-NOAUTH Authentication required."
            assert resp_ping(kv.port, generated) == b"+PONG"
            again = by_name(bootstrap(SEED, files, up))
            assert again["valkey-default-password"].status == "unchanged"
