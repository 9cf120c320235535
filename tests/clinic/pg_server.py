"""A real PostgreSQL server for the tests, in a temporary data directory (Debian's postgresql).

Started by the tests themselves (initdb, pg_ctl) on a free loopback port with password (SCRAM)
authentication, optionally with TLS from a throw-away self-signed certificate. As root (CI),
the server runs as the ``postgres`` user the Debian package creates.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PgServer", "find_pg_bin"]

SUPERUSER = "ras_admin"


def find_pg_bin() -> Path:
    """The directory of PostgreSQL's server programs (initdb, pg_ctl)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError(
        "PostgreSQL's server is not installed (no initdb): install the Debian package"
        " 'postgresql' (make test does it as root)"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One PostgreSQL server in its own temporary directory; :meth:`stop` removes nothing,
    :meth:`remove` does."""

    def __init__(self, *, password: str = "walk-on-beat", ssl: bool = False) -> None:
        self.bin = find_pg_bin()
        self.password = password
        self.ssl = ssl
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="ras-pg-"))
        self.data = self.root / "data"
        self._as_postgres = os.geteuid() == 0
        os.chmod(self.root, 0o755)
        pwfile = self.root / "pw"
        pwfile.write_text(password + "\n")
        if self._as_postgres:
            pg = pwd.getpwnam("postgres")
            os.chown(self.root, pg.pw_uid, pg.pw_gid)
            os.chown(pwfile, pg.pw_uid, pg.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        pwfile.unlink()
        if ssl:
            self._make_certificate()

    def _run(self, program: str, *args: str) -> None:
        cmd = [str(self.bin / program), *args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, cwd=self.root, timeout=120)

    def _make_certificate(self) -> None:
        key, crt = self.data / "server.key", self.data / "server.crt"
        subprocess.run(
            [
                *("openssl", "req", "-new", "-x509", "-days", "2", "-nodes"),
                *("-subj", "/CN=localhost", "-keyout", str(key), "-out", str(crt)),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        os.chmod(key, 0o600)
        if self._as_postgres:
            pg = pwd.getpwnam("postgres")
            for f in (key, crt):
                os.chown(f, pg.pw_uid, pg.pw_gid)
        self.certificate = crt

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c full_page_writes=off"
        )
        if self.ssl:
            options += " -c ssl=on"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", "log", "-w", "start")

    def stop(self, *, immediate: bool = False) -> None:
        mode = "immediate" if immediate else "fast"
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(
        self,
        database: str = "postgres",
        *,
        user: str = SUPERUSER,
        password: str | None = None,
        **params: str,
    ) -> str:
        """A connection URL (with the password unless ``password=''``)."""
        secret = self.password if password is None else password
        auth = f"{user}:{secret}@" if secret else f"{user}@"
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"postgresql://{auth}127.0.0.1:{self.port}/{database}" + (
            f"?{query}" if query else ""
        )

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
