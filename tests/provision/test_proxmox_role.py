"""The proxmox role, run for real by ansible-playbook against a fake Proxmox VE API on loopback (HTTPS+JSON)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_proxmox import FakeProxmox, serve
from provision_helpers import Run

from hearth.catalog.models import Catalog
from hearth.quantity import byte_count
from loopback_tls import self_signed_loopback_cert

TOKEN_NAME, TOKEN_SECRET = "ci", "not-a-real-secret"


@pytest.fixture
def fake(seed_catalog: Catalog, tmp_path: Path) -> Iterator[tuple[FakeProxmox, int, Path]]:
    """A fake Proxmox node holding the catalog's template, served with a certificate made here."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    self_signed_loopback_cert(cert, key)
    px = seed_catalog.platform.provisioning.proxmox
    state = FakeProxmox(node=px.node, token=f"PVEAPIToken={px.api_user}!{TOKEN_NAME}={TOKEN_SECRET}")
    state.add_template(px.template_vmid, px.storage)
    server, port = serve(state, cert, key)
    yield state, port, cert
    server.shutdown()


def _run_role(ansible_dir: Path, run_ansible: Run, port: int, cert: Path, key_file: Path) -> str:
    """all.yml with --tags proxmox on the controller; the API is the fake's, the SSH wait is off (no VM boots)."""
    done = run_ansible(
        ["ansible-playbook", "all.yml", "--tags", "proxmox", "--limit", "controller",
         "-e", "proxmox_api_host=127.0.0.1", "-e", f"proxmox_api_port={port}",
         "-e", f"proxmox_ssh_public_key_file={key_file}", "-e", "proxmox_wait_for_ssh=false"],
        ansible_dir,
        env={"PROXMOX_TOKEN_ID": TOKEN_NAME, "PROXMOX_TOKEN_SECRET": TOKEN_SECRET, "REQUESTS_CA_BUNDLE": str(cert)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert TOKEN_SECRET not in done.stdout + done.stderr
    return done.stdout


def _recap(stdout: str) -> dict[str, int]:
    line = next(line for line in stdout.splitlines() if line.startswith("localhost"))
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


@pytest.mark.slow
def test_first_run_creates_the_catalogs_vms_second_run_changes_nothing(
    fake: tuple[FakeProxmox, int, Path], ansible_dir: Path, seed_catalog: Catalog, run_ansible: Run, tmp_path: Path
) -> None:
    """Run 1 clones, sizes, addresses and starts each node VM as the catalog says; run 2 sends no write at all."""
    state, port, cert = fake
    key_file = tmp_path / "id.pub"
    key_file.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHearthTestKeyOnly operator@hearth\n")

    first = _run_role(ansible_dir, run_ansible, port, cert, key_file)
    assert _recap(first)["changed"] > 0
    platform = seed_catalog.platform
    vms = {vm.name: vm for vm in state.vms.values() if not vm.template}
    assert sorted(vms) == sorted(n.name for n in platform.nodes)
    for node in platform.nodes:
        vm = vms[node.name]
        assert vm.status == "running"
        assert int(vm.config["cores"]) == node.cpu
        assert int(vm.config["memory"]) * 1024**2 == byte_count(node.memory)
        assert f"size={byte_count(node.disk) // 1024**3}G" in vm.config["scsi0"]
        assert vm.config["ipconfig0"] == f"ip={node.lan_ip}/24,gw={platform.provisioning.proxmox.lan_gateway}"
        assert vm.config["ciuser"] == platform.provisioning.proxmox.ciuser
        assert "HearthTestKeyOnly" in vm.config["sshkeys"]

    state.writes.clear()
    second = _run_role(ansible_dir, run_ansible, port, cert, key_file)
    assert _recap(second)["changed"] == 0
    assert state.writes == []
