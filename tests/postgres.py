"""A throw-away PostgreSQL cluster from Debian's postgresql package, for the tests.

    python tests/postgres.py COMMAND [ARG ...]

runs COMMAND with DATABASE_URL pointing at a database of a new cluster (initdb into a temporary folder,
served on a free loopback port with its socket in that folder), then stops the cluster and removes the
folder, whether COMMAND passed, failed or was interrupted; exits with COMMAND's code. Tests that need a
cluster of their own use `Cluster` as a context manager. As root (CI), the server runs as the `postgres`
user, which PostgreSQL requires.
"""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUPERUSER = "archive"
START_SECONDS = 60


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_binaries():
    """The folder of Debian's newest installed PostgreSQL server programs."""
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not folders:
        raise RuntimeError("PostgreSQL is not installed: `make postgres-packages` installs Debian's postgresql")
    return Path(folders[-1]).parent


class Cluster:
    def __init__(self):
        self.bin = server_binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="archive-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)

    def run(self, *args):
        command = [str(self.bin / args[0]), *map(str, args[1:])]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=START_SECONDS)

    def start(self):
        self.run("initdb", "-D", self.data, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        # Throw-away data: no need to survive a crash, so nothing waits for the disk.
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self.run("pg_ctl", "-D", self.data, "-o", options, "-l", self.folder / "server.log", "-w",
                 "-t", START_SECONDS, "start")
        return self

    def stop(self):
        try:
            if (self.data / "postmaster.pid").exists():
                self.run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database="archive"):
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


def main(command):
    cluster = Cluster()
    # `make` stopped with Ctrl-C or a CI timeout sends SIGTERM or SIGINT: stop the cluster then too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with cluster:
        environment = {**os.environ, "DATABASE_URL": cluster.create_database("archive")}
        started = time.monotonic()
        print(f"PostgreSQL cluster on 127.0.0.1:{cluster.port} ({cluster.bin.parent.name}); running {' '.join(command)}",
              flush=True)
        code = subprocess.call(command, env=environment)
        print(f"PostgreSQL run finished in {time.monotonic() - started:.0f} s with exit code {code}", flush=True)
    return code


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
