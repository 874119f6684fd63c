"""The programs tests/realtools runs are installed, at the pinned versions, by the project's own scripts."""

from __future__ import annotations

import re
import subprocess

from realtools_servers import ok, run, venv_tool

from tools import REPO_ROOT, tool


def test_aws_cli_is_the_pinned_1_46() -> None:
    out = ok(run([tool("aws"), "--version"])).stdout
    assert re.match(r"aws-cli/1\.46\.3 ", out), out


def test_bao_and_weed_are_the_pinned_releases() -> None:
    assert re.match(r"OpenBao v2\.7\.2 ", ok(run([venv_tool("bao"), "version"])).stdout)
    assert " 4.48 " in ok(run([venv_tool("weed"), "version"])).stdout


def test_install_services_reports_every_tool_present() -> None:
    """Idempotent and quick once installed: one line per tool, each present, no apt-get run."""
    proc = subprocess.run(
        [str(REPO_ROOT / "scripts" / "install-services.sh")], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    names = [line.split()[0] for line in lines]
    expected = ["postgres", "initdb", "pg_isready", "pg_dumpall", "psql", "mariadbd", "mariadb-install-db"]
    expected += ["mysqladmin", "mysqldump", "mysql", "redis-server", "redis-cli", "redis_exporter", "rabbitmq-server"]
    expected += ["epmd"]
    assert names == [*expected, "busybox", "curl", "docker-compose", "chromium"], lines
    assert all(line.endswith(", present)") for line in lines), lines
    assert "apt-get" not in proc.stderr
