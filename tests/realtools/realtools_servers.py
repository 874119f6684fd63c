"""Real servers for tests/realtools, each on a free 127.0.0.1 port in its own temporary directory, always stopped.

Every server is started in a new session (its own process group), so stopping it reaches every process it forked
(the Erlang VM's helpers, ...): SIGTERM to the group, then SIGKILL after its stop timeout. Each
``*_server()`` is a context manager whose ``finally`` stops the server and removes its directory, so a failing
test cannot leave one running. Waits are bounded: a server not ready in ``START_TIMEOUT`` fails the test with the
tail of its log.

As root, servers run as the system user their Debian package created (``postgres``, which refuses root anyway,
``redis``, ``rabbitmq``; mariadbd drops to ``mysql`` itself), set by Popen in the child before exec, so no
``runuser`` sits between the test and the server; as any other user they run as that user.
scripts/install-services.sh (``make tools``) installs the Debian packages.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
RUN_TIMEOUT = 60.0
LOOPBACK = "127.0.0.1"
INSTALL_HINT = "run `make tools` (scripts/install-services.sh installs the Debian packages)"


# ---- locating the real programs ---------------------------------------------------------------------------------
def pg_bin() -> Path:
    """The newest ``/usr/lib/postgresql/<major>/bin`` (Debian's layout), else the directory of ``postgres`` on PATH."""
    root = Path("/usr/lib/postgresql")
    majors = sorted((p for p in root.glob("*/bin") if (p / "postgres").is_file()), key=lambda p: int(p.parent.name))
    if majors:
        return majors[-1]
    found = shutil.which("postgres")
    if found is None:
        pytest.fail(f"PostgreSQL server binaries not found: {INSTALL_HINT}", pytrace=False)
    return Path(found).resolve().parent


def system_tool(name: str, *dirs: str) -> str:
    """``name`` from ``dirs`` first, then PATH; a missing program fails the test (a real tool is never skipped)."""
    for directory in dirs:
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    if found is None:
        pytest.fail(f"required program {name!r} not found: {INSTALL_HINT}", pytrace=False)
    return os.path.abspath(found)


def venv_tool(name: str) -> str:
    """A program a PyPI package of the ``test`` extra installs next to this interpreter (bao, weed)."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name!r} not found: pip install -e '.[test]' (pyproject.toml's test extra)", pytrace=False)
    return found


# ---- processes ----------------------------------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def run(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
    stdin: str | None = None,
    cwd: Path | None = None,
    user: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` to completion (bounded), as ``user`` if given, capturing text output; the exit status is the
    caller's to judge."""
    return subprocess.run(
        list(cmd),
        env=dict(env) if env is not None else None,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
        **_credentials(user),
    )


def _credentials(user: str | None) -> dict[str, Any]:
    """Popen's user/group/extra_groups for ``user`` (set in the child before exec: no runuser in between)."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """``proc``, after asserting it exited 0 (with its command and output in the message)."""
    assert proc.returncode == 0, f"{proc.args!r} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def service_user(preferred: str) -> str | None:
    """The user a server runs as: ``preferred`` (else ``nobody``) as root; None (the current user) otherwise."""
    if os.geteuid() != 0:
        return None
    for name in (preferred, "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    pytest.fail(f"neither user {preferred!r} nor 'nobody' exists", pytrace=False)


def make_dir(prefix: str, owner: str | None) -> Path:
    """A fresh directory under the system temp dir owned by ``owner`` (pytest's own tmp dirs are 0700 root)."""
    path = Path(tempfile.mkdtemp(prefix=f"hearth-{prefix}-"))
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def chown_tree(path: Path, owner: str | None) -> None:
    """Give ``path`` and everything under it to ``owner`` (no-op when not root)."""
    if owner is None:
        return
    entry = pwd.getpwnam(owner)
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.chown(Path(root) / name, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    os.chown(path, entry.pw_uid, entry.pw_gid)


@dataclass
class Process:
    """A server process started in its own session, with its output in ``log``."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    stop_timeout: float = STOP_TIMEOUT
    stopped: bool = False

    @classmethod
    def start(
        cls,
        name: str,
        cmd: Sequence[str],
        log: Path,
        env: Mapping[str, str] | None = None,
        user: str | None = None,
    ) -> Process:
        with log.open("wb") as out:
            popen = subprocess.Popen(
                list(cmd),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                start_new_session=True,
                cwd=log.parent,
                **_credentials(user),
            )
        return cls(name, popen, log)

    def running(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "<no log>"

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.popen.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Signal the whole process group, wait up to ``stop_timeout``, then SIGKILL what is left. Idempotent."""
        if self.stopped:
            return
        self.stopped = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)
        deadline = time.monotonic() + self.stop_timeout
        while time.monotonic() < deadline:
            self.popen.poll()
            if self.popen.returncode is not None and not self._group_alive():
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)


def wait_until(check: Callable[[], bool], what: str, procs: Sequence[Process], timeout: float = START_TIMEOUT) -> None:
    """Poll ``check`` until it holds; fail (with the servers' logs) if a server exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.running() and proc.popen.returncode is not None:
                pytest.fail(f"{proc.name} exited {proc.popen.returncode} before {what}:\n{proc.tail()}", pytrace=False)
        try:
            if check():
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    logs = "\n".join(f"--- {p.name}\n{p.tail()}" for p in procs)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{logs}", pytrace=False)


def tcp_open(port: int) -> bool:
    with socket.create_connection((LOOPBACK, port), timeout=1):
        return True


def http_status(port: int, path: str) -> int:
    """The status of ``GET path`` on loopback ``port`` (no credentials)."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def client_env(*path_dirs: str, home: Path, **extra: str) -> dict[str, str]:
    """A minimal environment for a rendered command: only the given PATH, HOME, a UTF-8 locale and ``extra``."""
    return {"PATH": os.pathsep.join(path_dirs), "HOME": str(home), "LANG": "C.UTF-8", **extra}


@contextlib.contextmanager
def cleanup(paths: list[Path], procs: list[Process]) -> Iterator[None]:
    """Stop ``procs`` (last started first) and remove ``paths`` however the block ends."""
    try:
        yield
    finally:
        for proc in reversed(procs):
            proc.stop()
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)


# ---- PostgreSQL ------------------------------------------------------------------------------------------------------
@dataclass
class Postgres:
    """A PostgreSQL cluster: superuser ``admin`` (password auth over TCP, scram-sha-256), trust on its socket dir."""

    port: int
    dir: Path
    bin: Path
    proc: Process
    superuser: str = "admin"
    password: str = "admin-pw"

    def psql(self, sql: str, *, db: str = "postgres", user: str | None = None, password: str | None = None) -> str:
        """Run ``sql`` over TCP as ``user`` (default the superuser); ON_ERROR_STOP; returns unaligned output."""
        env = client_env(str(self.bin), "/usr/bin", "/bin", home=self.dir, PGPASSWORD=password or self.password)
        cmd = [str(self.bin / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", LOOPBACK]
        cmd += ["-p", str(self.port), "-U", user or self.superuser, "-d", db, "-c", sql]
        return ok(run(cmd, env=env)).stdout

    def stop(self) -> None:
        self.proc.stop(signal.SIGINT)  # PostgreSQL's "fast" shutdown


@contextlib.contextmanager
def postgres_server() -> Iterator[Postgres]:
    user = service_user("postgres")
    root = make_dir("pg", user)
    procs: list[Process] = []
    with cleanup([root], procs):
        binary = pg_bin()
        (root / "pwfile").write_text("admin-pw\n")
        chown_tree(root, user)
        initdb = [str(binary / "initdb"), "-D", str(root / "data"), "-U", "admin", "--pwfile", str(root / "pwfile")]
        initdb += ["--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
        ok(run(initdb, timeout=120, user=user, cwd=root))
        port = free_port()
        server = [str(binary / "postgres"), "-D", str(root / "data"), "-p", str(port), "-k", str(root)]
        server += ["-c", f"listen_addresses={LOOPBACK}", "-c", "fsync=off", "-c", "max_connections=20"]
        procs.append(Process.start("postgres", server, root / "server.log", user=user))
        pg = Postgres(port, root, binary, procs[0])

        def ready() -> bool:
            try:
                return pg.psql("SELECT 1").strip() == "1"
            except AssertionError:  # not accepting connections yet
                return False

        wait_until(ready, f"PostgreSQL on port {port}", procs)
        yield pg


# ---- MariaDB ---------------------------------------------------------------------------------------------------------
ROOT_PW = "root-pw"


@dataclass
class MariaDB:
    """A MariaDB server; ``root@localhost`` (password ``ROOT_PW``, as the image's MYSQL_ROOT_PASSWORD sets one)
    administers it through the unix socket."""

    port: int
    dir: Path
    proc: Process
    root_password: str = ""

    @property
    def socket(self) -> Path:
        return self.dir / "mysqld.sock"

    def sql(self, statements: str, *, database: str | None = None) -> str:
        """Run ``statements`` as root through the socket (batch mode, tab-separated, no column names)."""
        cmd = [system_tool("mysql"), "--no-defaults", f"--socket={self.socket}", "-uroot", "-N", "-B"]
        cmd += [database] if database else []
        env = client_env("/usr/bin", "/bin", home=self.dir, MYSQL_PWD=self.root_password)
        return ok(run(cmd, stdin=statements, env=env)).stdout

    def tcp_sql(self, statements: str, user: str, password: str) -> subprocess.CompletedProcess[str]:
        """Run ``statements`` over TCP as ``user`` (the way an application logs in); not checked."""
        cmd = [system_tool("mysql"), "--no-defaults", f"-h{LOOPBACK}", f"-P{self.port}", f"-u{user}", "-N", "-B"]
        env = client_env("/usr/bin", "/bin", home=self.dir, MYSQL_PWD=password)
        return run(cmd, stdin=statements, env=env)

    def stop(self) -> None:
        self.proc.stop()


@contextlib.contextmanager
def mariadb_server() -> Iterator[MariaDB]:
    user = service_user("mysql")
    root = make_dir("mysql", user)
    procs: list[Process] = []
    with cleanup([root], procs):
        user_args = [f"--user={user}"] if user else []
        install = [system_tool("mariadb-install-db", "/usr/bin"), "--no-defaults", *user_args]
        install += [f"--datadir={root / 'data'}", "--auth-root-authentication-method=normal", "--skip-test-db"]
        ok(run(install, timeout=120))
        port = free_port()
        server = [system_tool("mariadbd", "/usr/sbin"), "--no-defaults", *user_args, f"--datadir={root / 'data'}"]
        server += [f"--port={port}", f"--bind-address={LOOPBACK}", f"--socket={root / 'mysqld.sock'}"]
        server += [f"--pid-file={root / 'mysqld.pid'}", "--skip-log-bin", "--innodb-buffer-pool-size=32M"]
        server += ["--skip-name-resolve", "--innodb-flush-log-at-trx-commit=2"]
        procs.append(Process.start("mariadbd", server, root / "server.log"))
        db = MariaDB(port, root, procs[0])

        def ready() -> bool:
            try:
                return db.socket.exists() and db.sql("SELECT 1").strip() == "1"
            except AssertionError:  # not accepting connections yet
                return False

        wait_until(ready, f"MariaDB on {port}", procs)
        # As the mysql image's entrypoint leaves it: root@localhost and root@'%' (MYSQL_ROOT_HOST), both with the
        # root password; install-db's password-less root@127.0.0.1, root@::1 and root@<hostname> go.
        db.sql(
            "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost'; FLUSH PRIVILEGES;"
            f"ALTER USER root@localhost IDENTIFIED BY '{ROOT_PW}';"
            f"CREATE USER root@'%' IDENTIFIED BY '{ROOT_PW}'; GRANT ALL ON *.* TO root@'%' WITH GRANT OPTION;"
        )
        db.root_password = ROOT_PW
        yield db


# ---- Redis (the Valkey protocol) -------------------------------------------------------------------------------------
@dataclass
class Redis:
    port: int
    dir: Path
    proc: Process

    def stop(self) -> None:
        self.proc.stop()


def resp_ping(port: int, password: str | None = None) -> bytes:
    """PING over RESP from Python (not the command under test): the server's first reply line."""
    with socket.create_connection((LOOPBACK, port), timeout=2) as sock:
        if password:
            sock.sendall(f"AUTH {password}\r\n".encode())
            sock.recv(64)
        sock.sendall(b"PING\r\n")
        return sock.recv(64).split(b"\r\n")[0]


@contextlib.contextmanager
def redis_server(extra_args: Sequence[str] = ()) -> Iterator[Redis]:
    user = service_user("redis")
    root = make_dir("redis", user)
    procs: list[Process] = []
    with cleanup([root], procs):
        port = free_port()
        args = list(extra_args)
        if "--aclfile" in args:
            # The rendered flags name the ACL file on the pod's data volume (/data, not here): it becomes one in
            # the server's own directory, created empty as the container's command creates it.
            index = args.index("--aclfile") + 1
            acl = Path(args[index])
            if not acl.parent.is_dir():
                acl = root / acl.name
                if not acl.exists():
                    acl.touch(mode=0o600)
                    if user is not None:
                        shutil.chown(acl, user)
                args[index] = str(acl)
        server = [system_tool("redis-server", "/usr/bin"), "--port", str(port), "--bind", LOOPBACK]
        server += ["--dir", str(root), "--save", "", "--daemonize", "no", *args]
        procs.append(Process.start("redis-server", server, root / "server.log", user=user))
        wait_until(lambda: resp_ping(port) in (b"+PONG", b"-NOAUTH Authentication required."), "Redis", procs)
        yield Redis(port, root, procs[0])


# ---- RabbitMQ --------------------------------------------------------------------------------------------------------
AMQP_0_9_1_HEADER = b"AMQP\x00\x00\x09\x01"


def amqp_start_frame(port: int) -> bytes:
    """The first 11 bytes the broker sends after the AMQP 0-9-1 protocol header (from Python, for readiness)."""
    with socket.create_connection((LOOPBACK, port), timeout=2) as sock:
        sock.sendall(AMQP_0_9_1_HEADER)
        data = b""
        while len(data) < 11:
            chunk = sock.recv(11 - len(data))
            if not chunk:
                break
            data += chunk
        return data


RABBITMQ_ADMIN = "hearth-admin"
RABBITMQ_ADMIN_PW = "hearth-rabbitmq-admin-pw"


@dataclass
class RabbitMQ:
    port: int
    dir: Path
    procs: list[Process]
    management_port: int | None = None
    """With ``rabbitmq_server(management=True)``: the management plugin's HTTP port (admin ``RABBITMQ_ADMIN``)."""

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


@contextlib.contextmanager
def rabbitmq_server(management: bool = False) -> Iterator[RabbitMQ]:
    """RabbitMQ with no plugins, its node, epmd and distribution ports all on loopback, its state in a temp dir.

    With ``management`` the rabbitmq_management plugin is enabled on a free loopback port and the default user is
    the administrator ``RABBITMQ_ADMIN`` (``RABBITMQ_ADMIN_PW``) instead of guest.

    epmd is started here first, in the foreground on its own free port (ERL_EPMD_PORT), so it is stopped by PID
    with the broker rather than left behind as the daemon the Erlang VM would otherwise spawn.
    """
    user = service_user("rabbitmq")
    root = make_dir("rabbitmq", user)
    procs: list[Process] = []
    with cleanup([root], procs):
        for sub in ("mnesia", "log", "home"):
            (root / sub).mkdir()
        port, dist_port, epmd_port = free_port(), free_port(), free_port()
        conf = "# hearth tests/realtools: defaults, listeners from the environment\n"
        web = free_port() if management else None
        if web is not None:
            conf += f"management.tcp.ip = {LOOPBACK}\nmanagement.tcp.port = {web}\n"
            conf += f"default_user = {RABBITMQ_ADMIN}\ndefault_pass = {RABBITMQ_ADMIN_PW}\n"
            conf += "default_user_tags.administrator = true\n"
        (root / "enabled_plugins").write_text("[rabbitmq_management].\n" if management else "[].\n")
        (root / "rabbitmq.conf").write_text(conf)
        chown_tree(root, user)
        env = {
            "PATH": "/usr/bin:/bin:/usr/sbin:/sbin",
            "LANG": "C.UTF-8",
            "HOME": str(root / "home"),
            "ERL_EPMD_PORT": str(epmd_port),
            "ERL_EPMD_ADDRESS": LOOPBACK,
            "RABBITMQ_NODENAME": f"hearth{port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": LOOPBACK,
            "RABBITMQ_NODE_PORT": str(port),
            "RABBITMQ_DIST_PORT": str(dist_port),
            "RABBITMQ_MNESIA_BASE": str(root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(root / "log"),
            "RABBITMQ_LOGS": "-",
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(root / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(root / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(root / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(root / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(root / "rabbitmq.pid"),
        }
        epmd = [system_tool("epmd", "/usr/bin"), "-port", str(epmd_port), "-address", LOOPBACK]
        procs.append(Process.start("epmd", epmd, root / "epmd.log", env, user))
        wait_until(lambda: tcp_open(epmd_port), "epmd", procs)
        server = [system_tool("rabbitmq-server", "/usr/lib/rabbitmq/bin")]
        procs.append(Process.start("rabbitmq-server", server, root / "server.log", env, user))
        broker = RabbitMQ(port, root, procs, web)
        wait_until(lambda: amqp_start_frame(port)[:1] == b"\x01", f"RabbitMQ on {port}", procs, timeout=90)
        if web is not None:
            wait_until(lambda: http_status(web, "/api/overview") == 401, f"RabbitMQ management on {web}", procs)
        yield broker


# ---- OpenBao (Vault API) ---------------------------------------------------------------------------------------------
@dataclass
class Bao:
    """``bao server -dev``: unsealed, in memory, root token ``root``; ``api`` speaks its HTTP API."""

    port: int
    dir: Path
    proc: Process
    binary: str
    root_token: str = "root"
    _conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def api(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        """One request to ``/v1/<path>`` on a kept-alive connection: (status, decoded JSON body or None)."""
        headers = {"X-Vault-Token": token if token is not None else self.root_token}
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=10)
            try:
                self._conn.request(method, f"/v1/{path}", body=data, headers=headers)
                response = self._conn.getresponse()
                raw = response.read()
                return response.status, (json.loads(raw) if raw.strip() else None)
            except (OSError, http.client.HTTPException):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def must(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        status, answer = self.api(method, path, body, token)
        assert status in (200, 204), f"{method} {path} -> {status}: {answer}"
        return answer

    def cli_env(self, token: str | None = None) -> dict[str, str]:
        return client_env("/usr/bin", "/bin", home=self.dir, BAO_ADDR=self.address, BAO_TOKEN=token or "root")

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self.proc.stop()


@contextlib.contextmanager
def bao_server() -> Iterator[Bao]:
    root = make_dir("bao", None)
    procs: list[Process] = []
    with cleanup([root], procs):
        binary = venv_tool("bao")
        port = free_port()
        cmd = [binary, "server", "-dev", f"-dev-listen-address={LOOPBACK}:{port}", "-dev-root-token-id=root"]
        cmd += ["-dev-no-store-token"]
        env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "LANG": "C.UTF-8"}
        procs.append(Process.start("bao", cmd, root / "server.log", env))
        bao = Bao(port, root, procs[0], binary)

        def ready() -> bool:
            return bao.api("GET", "sys/health")[0] == 200

        try:
            wait_until(ready, f"OpenBao on {port}", procs)
            yield bao
        finally:
            if bao._conn is not None:
                bao._conn.close()


def bao_agent_render(bao: Bao, token: str, templates: Mapping[str, str], out: Path) -> dict[str, str]:
    """Render ``templates`` (file name -> template text) into ``out`` with a real ``bao agent``, as the injector's
    pre-populate-only init container does (auto-auth with ``token``, render once, exit); returns the files."""
    work = Path(tempfile.mkdtemp(prefix="hearth-agent-"))
    try:
        (work / "token").write_text(token)
        stanzas = []
        for name, text in templates.items():
            (work / f"{name}.ctmpl").write_text(text)
            stanzas.append(f'template {{\n  source = "{work / name}.ctmpl"\n  destination = "{out / name}"\n}}\n')
        config = (
            f'vault {{\n  address = "{bao.address}"\n}}\n'
            f'auto_auth {{\n  method "token_file" {{\n'
            f'    config = {{ token_file_path = "{work / "token"}" }}\n  }}\n}}\n'
            "template_config {\n  exit_on_retry_failure = true\n}\n"
            "exit_after_auth = true\n" + "".join(stanzas)
        )
        (work / "agent.hcl").write_text(config)
        ok(run([bao.binary, "agent", f"-config={work / 'agent.hcl'}"], env=bao.cli_env(token), timeout=60))
        return {name: (out / name).read_text() for name in templates}
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---- SeaweedFS (S3) --------------------------------------------------------------------------------------------------
S3_ACCESS_KEY = "AKIAHEARTHTEST0001"
S3_SECRET_KEY = "hearth-s3-secret-0001"


@dataclass
class SeaweedS3:
    """A SeaweedFS S3 gateway with one identity (``S3_ACCESS_KEY``/``S3_SECRET_KEY``) allowed everything."""

    port: int
    dir: Path
    proc: Process

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def stop(self) -> None:
        self.proc.stop()


@contextlib.contextmanager
def seaweed_server(iam_writes: bool = False, volumes: int = 4) -> Iterator[SeaweedS3]:
    """SeaweedFS master, volume, filer and S3 gateway in one process, every port on loopback, SigV4 enforced.

    With ``iam_writes`` the IAM API embedded on the S3 port takes writes too (``-s3.iam.readOnly=false``; upstream
    defaults to read-only): users, access keys and inline policies, kept in the filer's credential store.
    ``volumes`` bounds the volume server (each bucket is a collection that grows volumes of its own).
    """
    root = make_dir("weed", None)
    procs: list[Process] = []
    with cleanup([root], procs):
        (root / "data").mkdir()
        identity = {
            "name": "backup",
            "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        (root / "s3.json").write_text(json.dumps({"identities": [identity]}))
        cmd = [venv_tool("weed"), "server", f"-ip={LOOPBACK}", f"-ip.bind={LOOPBACK}", f"-dir={root / 'data'}"]
        cmd += ["-master.telemetry=false", "-s3", f"-s3.config={root / 's3.json'}", "-s3.port.iceberg=0"]
        cmd += ["-s3.port.lance=0", "-volume.preStopSeconds=0", "-master.volumeSizeLimitMB=64"]
        cmd.append(f"-volume.max={volumes}")
        if iam_writes:
            cmd.append("-s3.iam.readOnly=false")
        # A gRPC port defaults to its HTTP port + 10000, past 65535 for a high free port: set every one.
        ports = {}
        for service in ("s3", "master", "volume", "filer"):
            ports[service] = free_port()
            cmd += [f"-{service}.port={ports[service]}", f"-{service}.port.grpc={free_port()}"]
        procs.append(Process.start("weed", cmd, root / "server.log", {"PATH": "/usr/bin:/bin", "HOME": str(root)}))
        procs[0].stop_timeout = 2  # SIGTERM can hang (test-tools.md): SIGKILL soon after
        s3 = SeaweedS3(ports["s3"], root, procs[0])
        wait_until(lambda: tcp_open(s3.port), f"SeaweedFS S3 on {s3.port}", procs)
        yield s3
