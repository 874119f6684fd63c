"""A fake ``helm`` for the deploy tests: records every call and plays a scripted outcome per release.

``install(bin_dir, state_dir, kube_url)`` writes an executable ``helm`` that runs this file. The scenario
(``state_dir/scenario.json``, release ``namespace/name`` -> {duration, fail, objects, template, test_fail}) says
how long ``upgrade --install`` takes, whether it fails, and which objects it creates in the fake API (through its
``/fake/put`` path, as helm would through the real API). Calls are appended to ``state_dir/calls.jsonl`` with
their start and end times; each release's revision and state live in ``state_dir/releases/``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def install(bin_dir: Path, state_dir: Path, kube_url: str) -> Path:
    """Put a ``helm`` on ``bin_dir`` that runs this fake against ``state_dir`` and the fake API at ``kube_url``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "releases").mkdir(parents=True, exist_ok=True)
    script = bin_dir / "helm"
    script.write_text(
        f"#!{sys.executable} -S\n"
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import fakehelm\n"
        f"sys.exit(fakehelm.main(sys.argv[1:], {str(state_dir)!r}, {kube_url!r}))\n"
    )
    script.chmod(0o755)
    return script


def calls(state_dir: Path) -> list[dict[str, Any]]:
    """Every recorded call, in the order they ended."""
    path = state_dir / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _post(kube_url: str, path: str, body: Any) -> None:
    import urllib.request

    request = urllib.request.Request(
        kube_url + path, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=10).read()


def _option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def _dump(objects: list[Any]) -> str:
    return "".join("---\n" + json.dumps(o) + "\n" for o in objects)  # JSON is YAML


def main(args: list[str], state: str, kube_url: str) -> int:
    """Play one helm command."""
    state_dir = Path(state)
    scenario: dict[str, Any] = json.loads((state_dir / "scenario.json").read_text())
    command = "upgrade" if args[:2] == ["upgrade", "--install"] else args[0]
    if command == "get":
        command, name = "get-manifest", args[2]
    else:
        name = args[2] if command == "upgrade" else args[1]
    namespace = _option(args, "--namespace") or "default"
    key = f"{namespace}/{name}"
    plan: dict[str, Any] = scenario.get(key, {})
    record = state_dir / "releases" / f"{namespace}.{name}.json"
    current = json.loads(record.read_text()) if record.exists() else None
    objects = [{**o, "metadata": {"namespace": namespace, **o["metadata"]}} for o in plan.get("objects", [])]
    started = time.monotonic()
    code, out, err = 0, "", ""
    if command == "upgrade":
        time.sleep(float(plan.get("duration", 0)))
        failures = int(plan.get("fail_times", 1 if plan.get("fail") else 0))
        attempts = (current or {}).get("attempts", 0) + 1
        revision = (current or {}).get("revision", 0) + 1
        if attempts <= failures:
            code, err = 1, f"Error: UPGRADE FAILED: {plan.get('fail') or 'scripted failure'}"
            record.write_text(json.dumps({"revision": revision, "status": "failed", "attempts": attempts}))
        else:
            _post(kube_url, "/fake/put", objects)
            record.write_text(json.dumps({"revision": revision, "status": "deployed", "attempts": attempts}))
    elif command == "status":
        if current is None:
            code, err = 1, "Error: release: not found"
        else:
            out = json.dumps({"name": name, "version": current["revision"], "info": {"status": current["status"]}})
    elif command == "get-manifest":
        if current is None:
            code, err = 1, "Error: release: not found"
        else:
            out = _dump(objects)
    elif command == "template":
        out = _dump(plan.get("template", objects))
    elif command == "test":
        time.sleep(float(plan.get("test_duration", 0)))
        if plan.get("test_fail"):
            code, err = 1, f"Error: pod {name}-test failed"
    elif command == "uninstall":
        if current is None:
            code, err = 1, f"Error: uninstall: Release not loaded: {name}: release: not found"
        else:
            _post(kube_url, "/fake/uninstall", objects)
            record.unlink()
    else:
        code, err = 1, f"Error: fake helm does not know {command}"
    entry = {"cmd": command, "release": key, "start": started, "end": time.monotonic(), "code": code, "args": args}
    with open(state_dir / "calls.jsonl", "a") as log:
        log.write(json.dumps(entry) + "\n")
    sys.stdout.write(out)
    sys.stderr.write(err + ("\n" if err else ""))
    return code
