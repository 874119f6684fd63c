"""The real tools the suite relies on are installed and are the pinned versions."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tools import tool


def _run(*args: str) -> str:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def test_helm_is_v3_16() -> None:
    version = _run(tool("helm"), "version", "--template", "{{.Version}}").strip()
    assert re.fullmatch(r"v3\.16\.\d+", version), version


def test_kubectl_is_v1_28() -> None:
    out = _run(tool("kubectl"), "version", "--client", "--output", "json")
    version = json.loads(out)["clientVersion"]["gitVersion"]
    assert re.fullmatch(r"v1\.28\.\d+", version), version


def test_helmfile_is_0_166() -> None:
    # `helmfile version` asks GitHub for the latest release; `--version` stays offline.
    out = _run(tool("helmfile"), "--version")
    assert re.fullmatch(r"helmfile version 0\.166\.\d+", out.strip()), out


def test_promtool_is_2_x() -> None:
    out = _run(tool("promtool"), "--version")
    assert re.match(r"promtool, version 2\.\d+\.\d+", out), out


def test_amtool_is_0_x() -> None:
    out = _run(tool("amtool"), "--version")
    assert re.match(r"amtool, version 0\.\d+\.\d+", out), out


def test_missing_tool_fails_and_names_make_tools() -> None:
    with pytest.raises(pytest.fail.Exception, match="make tools"):
        tool("hearth-no-such-tool-xyz")
