"""A throwaway PostgreSQL for the team tests: initdb in a temporary folder, `postgres` on a free
port on 127.0.0.1 with its socket in that folder, stopped (and deleted) at the end.

Built from the Debian `postgresql` package's binaries (`./dev` installs it). PostgreSQL will
not run as root, so as root the cluster is made and run as the `postgres` user the package
creates. fsync is off: the tests never crash the machine, only the server process.

Roles, as a real team server has them (README, "Team mode"):
- `admin`, the superuser, over the socket only (trust), to set the others up;
- `owner`, who owns the database and runs `team migrate` (password);
- `console`, the consoles' role: SELECT and INSERT only (password);
- `trusted`, a second consoles' role that needs no password (trust, from 127.0.0.1).
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BIN_DIRS = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14, 13)]
DB = "incidents"
OWNER, OWNER_PASSWORD = "owner", "owner-pw-7f3a"
CONSOLE, CONSOLE_PASSWORD = "console", "Kx9-s3cret-team-pw"
TRUSTED = "trusted"


def find_bin() -> Path | None:
    for folder in BIN_DIRS:
        if (folder / "postgres").exists() and (folder / "initdb").exists():
            return folder
    found = shutil.which("pg_config")
    if found:
        folder = Path(subprocess.run([found, "--bindir"], capture_output=True, text=True).stdout.strip())
        if (folder / "postgres").exists():
            return folder
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One PostgreSQL server process over one data folder."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="ic-team-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.host = "127.0.0.1"
        self.process: subprocess.Popen | None = None
        self.log = self.root / "server.log"
        self._user = None
        if os.geteuid() == 0:
            self._user = pwd.getpwnam("postgres")
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)

    def _run(self, *argv: str, **kwargs) -> subprocess.CompletedProcess:
        extra = {"user": self._user.pw_uid, "group": self._user.pw_gid} if self._user else {}
        return subprocess.run(argv, capture_output=True, text=True, check=True, cwd=self.root, **extra, **kwargs)

    def init(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "admin", "-E", "UTF8",
                  "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-instructions")
        hba = self.data / "pg_hba.conf"
        # trusted: no password, from loopback only; the line must come before scram's.
        lines = hba.read_text().splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith("host"))
        lines.insert(at, f"host    all    {TRUSTED}    127.0.0.1/32    trust")
        hba.write_text("\n".join(lines) + "\n")

    def make_certificates(self) -> None:
        """A CA of our own and a server certificate it signed, for `localhost` only (so that
        verify-full refuses the server when it is reached as 127.0.0.1); `other_ca.pem` is a CA
        that signed nothing of ours. The server then speaks TLS (and plain TCP) on its port."""
        tls = self.root / "tls"
        tls.mkdir()

        def openssl(*argv: str) -> None:
            subprocess.run(["openssl", *argv], cwd=tls, check=True, capture_output=True)

        for ca in ("ca", "other_ca"):
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN=test {ca}",
                    "-keyout", f"{ca}.key", "-out", f"{ca}.pem")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key",
                "-out", "server.csr")
        (tls / "san.ext").write_text("subjectAltName=DNS:localhost\n")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", "san.ext", "-out", "server.pem")
        for name in os.listdir(tls):
            os.chmod(tls / name, 0o600 if name.endswith(".key") else 0o644)
            if self._user:
                os.chown(tls / name, self._user.pw_uid, self._user.pw_gid)
        if self._user:
            os.chown(tls, self._user.pw_uid, self._user.pw_gid)
        self.tls = tls

    def start(self) -> None:
        extra = {"user": self._user.pw_uid, "group": self._user.pw_gid} if self._user else {}
        tls = getattr(self, "tls", None)
        ssl = ["-c", "ssl=on", "-c", f"ssl_cert_file={tls / 'server.pem'}",
               "-c", f"ssl_key_file={tls / 'server.key'}"] if tls else []
        log = open(self.log, "ab")
        self.process = subprocess.Popen(
            [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port),
             "-c", f"listen_addresses={self.host}", "-c", f"unix_socket_directories={self.root}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=200", "-c", "shared_buffers=32MB", *ssl],
            stdout=log, stderr=log, cwd=self.root, start_new_session=True, **extra,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log.read_text()[-2000:]}")
            probe = subprocess.run([str(self.bindir / "pg_isready"), "-h", str(self.root), "-p", str(self.port)],
                                   capture_output=True)
            if probe.returncode == 0:
                return
            time.sleep(0.05)
        raise RuntimeError("postgres did not start within 30 s")

    def stop(self) -> None:
        """A fast shutdown (SIGINT): every session is cut, as when the server goes away."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def psql(self, sql: str, db: str = "postgres") -> str:
        """Run SQL as the superuser over the socket; its output."""
        return self._run(str(self.bindir / "psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                         "-h", str(self.root), "-p", str(self.port), "-U", "admin", "-d", db,
                         "-c", sql).stdout

    def burn_transaction_ids(self, count: int, db: str = DB) -> None:
        """Use up `count` transaction ids (one autocommitted statement each, from a script)."""
        script = self.root / "burn.sql"
        script.write_text("SELECT pg_current_xact_id();\n" * count)
        if self._user:
            os.chown(script, self._user.pw_uid, self._user.pw_gid)
        self._run(str(self.bindir / "psql"), "-X", "-q", "-o", "/dev/null", "-h", str(self.root), "-p", str(self.port),
                  "-U", "admin", "-d", db, "-f", str(script))

    def make_roles(self) -> None:
        self.psql(f"CREATE ROLE {OWNER} LOGIN PASSWORD '{OWNER_PASSWORD}'")
        self.psql(f"CREATE ROLE {CONSOLE} LOGIN PASSWORD '{CONSOLE_PASSWORD}'")
        self.psql(f"CREATE ROLE {TRUSTED} LOGIN")
        self.psql(f"CREATE DATABASE {DB} OWNER {OWNER}")

    def url(self, user: str = CONSOLE, db: str = DB, port: int | None = None) -> str:
        return f"postgresql://{user}@{self.host}:{port or self.port}/{db}"

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
