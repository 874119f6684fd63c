"""``hearth reach``: the NetworkPolicy verdict of every connection among the endpoints of any manifests."""

from __future__ import annotations

import sys
from pathlib import Path

from hearth.commands.terminal import out, user_errors
from hearth.verify.reach import render_table, run_reach


def reach_command(
    paths: list[Path], ports: list[str], peer_ips: list[str], *, json_output: bool, allowed_only: bool
) -> None:
    """Read ``paths``, probe ``ports`` (default: the declared ones) and print the verdicts as a table or JSON."""
    with user_errors():
        result = run_reach(paths, ports, peer_ips)
        if json_output:
            result.write_json(sys.stdout, allowed_only=allowed_only)
        else:
            out().print(render_table(result, allowed_only=allowed_only))
