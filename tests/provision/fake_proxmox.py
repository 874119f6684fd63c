"""A small fake of the Proxmox VE API (HTTPS + JSON under /api2/json) on loopback, for the proxmox role.

It serves the paths community.general's proxmox_kvm, proxmox_disk and proxmox_vm_info call, as the API viewer
documents them (pve.proxmox.com/pve-docs/api-viewer): GET /version, GET /nodes, GET /cluster/resources?type=vm,
GET /nodes/{node}/qemu, GET|PUT /nodes/{node}/qemu/{vmid}/config, POST /nodes/{node}/qemu/{vmid}/clone,
PUT /nodes/{node}/qemu/{vmid}/resize, GET /nodes/{node}/qemu/{vmid}/status/current,
POST /nodes/{node}/qemu/{vmid}/status/start and GET /nodes/{node}/tasks/{upid}/status. Every answer is
``{"data": ...}``; a request without the expected API token header (``PVEAPIToken=USER!NAME=SECRET``) gets 401.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

PREFIX = "/api2/json"


@dataclass
class Vm:
    """One VM as the fake keeps it."""

    vmid: int
    name: str
    config: dict[str, Any]
    status: str = "stopped"
    template: int = 0


@dataclass
class FakeProxmox:
    """The state of one Proxmox node and the mutating requests it received."""

    node: str
    token: str
    vms: dict[int, Vm] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)

    def add_template(self, vmid: int, storage: str) -> None:
        """A cloud-init template as `qm template` leaves it: a small boot disk, one core, 2 GiB."""
        self.vms[vmid] = Vm(
            vmid,
            "ubuntu-cloudinit",
            {"cores": 1, "memory": "2048", "scsi0": f"{storage}:base-{vmid}-disk-0,size=3584M", "ide2": "cloudinit"},
            template=1,
        )

    def handle(self, method: str, path: str, form: dict[str, str]) -> tuple[int, Any]:
        """Answer one API call: (HTTP status, data)."""
        n = re.escape(self.node)
        routes: list[tuple[str, str]] = [
            ("GET", r"/version"),
            ("GET", r"/nodes"),
            ("GET", r"/cluster/resources"),
            ("GET", rf"/nodes/{n}/qemu"),
            ("GET", rf"/nodes/{n}/qemu/(\d+)/config"),
            ("PUT", rf"/nodes/{n}/qemu/(\d+)/config"),
            ("POST", rf"/nodes/{n}/qemu/(\d+)/config"),
            ("POST", rf"/nodes/{n}/qemu/(\d+)/clone"),
            ("PUT", rf"/nodes/{n}/qemu/(\d+)/resize"),
            ("GET", rf"/nodes/{n}/qemu/(\d+)/status/current"),
            ("POST", rf"/nodes/{n}/qemu/(\d+)/status/start"),
            ("GET", rf"/nodes/{n}/tasks/([^/]+)/status"),
        ]
        for verb, pattern in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                if method != "GET":
                    self.writes.append(f"{method} {path}")
                return self._answer(method, pattern, match.groups(), form)
        return 501, None

    def _vm(self, vmid: str) -> Vm:
        return self.vms[int(vmid)]

    def _answer(self, method: str, pattern: str, args: tuple[str, ...], form: dict[str, str]) -> tuple[int, Any]:
        tail = pattern.rsplit("/", 1)[-1]
        if pattern == "/version":
            return 200, {"version": "8.2.4", "release": "8.2", "repoid": "faa83925c9641325"}
        if pattern == "/nodes":
            return 200, [{"node": self.node, "status": "online", "type": "node"}]
        if pattern == "/cluster/resources":
            return 200, [
                {"id": f"qemu/{v.vmid}", "type": "qemu", "vmid": v.vmid, "name": v.name, "node": self.node,
                 "status": v.status, "template": v.template}
                for v in self.vms.values()
            ]  # fmt: skip
        if pattern.endswith("/qemu"):
            return 200, [
                {"vmid": v.vmid, "name": v.name, "status": v.status, "template": v.template} for v in self.vms.values()
            ]
        if tail != "status" and args and int(args[0]) not in self.vms:
            return 500, None
        if tail == "config" and method == "GET":
            vm = self._vm(args[0])
            return 200, {"name": vm.name, **vm.config}
        if tail == "config":
            vm = self._vm(args[0])
            vm.name = form.pop("name", vm.name)
            vm.config.update(form)
            return 200, None
        if tail == "clone":
            source = self._vm(args[0])
            newid = int(form["newid"])
            if newid in self.vms:
                return 500, None
            storage = form.get("storage", "local-lvm")
            config = {**source.config, "scsi0": f"{storage}:vm-{newid}-disk-0,size=3584M"}
            self.vms[newid] = Vm(newid, form["name"], config)
            return 200, self._upid("qmclone", newid)
        if tail == "resize":
            vm = self._vm(args[0])
            disk = form["disk"]
            vm.config[disk] = re.sub(r"size=[^,]+", f"size={form['size']}", vm.config[disk])
            return 200, None
        if tail == "current":
            vm = self._vm(args[0])
            return 200, {"status": vm.status, "vmid": vm.vmid, "name": vm.name}
        if tail == "start":
            vm = self._vm(args[0])
            vm.status = "running"
            return 200, self._upid("qmstart", vm.vmid)
        if tail == "status":
            return 200, {"status": "stopped", "exitstatus": "OK", "upid": args[0]}
        return 501, None

    def _upid(self, kind: str, vmid: int) -> str:
        return f"UPID:{self.node}:0000AAAA:0000BBBB:6750F000:{kind}:{vmid}:hearth@pve!ci:"


def serve(fake: FakeProxmox, cert: Path, key: Path) -> tuple[ThreadingHTTPServer, int]:
    """Serve ``fake`` over HTTPS on 127.0.0.1 (a free port) in a daemon thread; returns the server and port."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            form = {k: v[-1] for k, v in parse_qs(body or url.query, keep_blank_values=True).items()}
            if self.headers.get("Authorization") != fake.token:
                status, data = 401, None
            elif not url.path.startswith(PREFIX):
                status, data = 404, None
            else:
                status, data = fake.handle(self.command, url.path[len(PREFIX) :], form)
            payload = json.dumps({"data": data}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _reply

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]
