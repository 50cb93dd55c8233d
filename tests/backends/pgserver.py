"""A throwaway PostgreSQL server on loopback, in a temp folder, for tests and benchmarks.

    from tests.backends.pgserver import running_postgres, unavailable_reason

    if (why := unavailable_reason()) is None:
        with running_postgres() as url:          # postgres://postgres@127.0.0.1:<port>/salesnb
            con = ibis.connect(url)
            ...
            url.log                               # the server's log file (until the folder is deleted)

The server binaries are Debian's (``/usr/lib/postgresql/<version>/bin``, the newest version
found, or the folder in ``SALESNB_PG_BINDIR``). Run as root, the server runs as ``nobody``
(PostgreSQL refuses to run as root). ``pg_stat_statements`` is preloaded and created in the
database when the server has it (``url.stat_statements``). On exit the server is stopped and
the folder deleted.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BINDIR_ENV = "SALESNB_PG_BINDIR"
UNPRIVILEGED_USER = "nobody"
_SPEED = {  # a disposable server: durability off
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "20",
    "jit": "off",
}


class PgUrl(str):
    """The connection URL, with the server's log file, port and whether pg_stat_statements is on."""

    log: Path
    port: int
    stat_statements: bool
    bindir: Path


def find_bindir() -> Path | None:
    """The folder holding initdb/pg_ctl: $SALESNB_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin."""
    if os.environ.get(BINDIR_ENV):
        path = Path(os.environ[BINDIR_ENV])
        return path if (path / "initdb").is_file() else None
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        on_path = shutil.which("initdb")
        return Path(on_path).parent if on_path else None

    def version(p: str) -> tuple:
        part = Path(p).parent.parent.name
        return tuple(int(x) for x in part.split(".") if x.isdigit())

    return Path(max(found, key=version)).parent


def _run_as() -> pwd.struct_passwd | None:
    """The user the server runs as: None = ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam(UNPRIVILEGED_USER)


def unavailable_reason() -> str | None:
    """Why no server can be started here, or None when it can."""
    bindir = find_bindir()
    if bindir is None and os.environ.get(BINDIR_ENV):
        return f"{BINDIR_ENV}={os.environ[BINDIR_ENV]} has no initdb"
    if bindir is None:
        return (
            "no PostgreSQL server binaries (no /usr/lib/postgresql/*/bin/initdb, none on PATH, "
            f"{BINDIR_ENV} unset); install Debian's 'postgresql' package"
        )
    for tool in ("initdb", "pg_ctl", "postgres", "createdb", "psql"):
        if not os.access(bindir / tool, os.X_OK):
            return f"{bindir / tool} is missing or not executable"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(UNPRIVILEGED_USER)
        except KeyError:
            return f"running as root and there is no '{UNPRIVILEGED_USER}' user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(args: list, user: pwd.struct_passwd | None, env: dict, what: str, timeout: float = 120) -> str:
    kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
    done = subprocess.run(
        [str(a) for a in args], env=env, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )
    if done.returncode != 0:
        raise RuntimeError(f"PostgreSQL {what} failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()}")
    return done.stdout


@contextlib.contextmanager
def running_postgres(
    database: str = "salesnb", *, settings: dict[str, str] | None = None, stat_statements: bool = True
) -> Iterator[PgUrl]:
    """Start a server, create ``database``, yield its URL; stop the server and delete its folder on exit.

    ``settings`` are extra ``postgres -c`` options (e.g. ``{"log_statement": "all"}``).
    Raises RuntimeError (with the server's own message) when the server cannot start.
    """
    why = unavailable_reason()
    if why is not None:
        raise RuntimeError(why)
    bindir = find_bindir()
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="salesnb-pg-"))
    started = False
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C", TZ="UTC", HOME=str(root), PGTZ="UTC")
    try:
        sockets.mkdir()
        if user is not None:
            for path in (root, sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        _call(
            [bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            user, env, "initdb",
        )  # fmt: skip
        share = Path(_call([bindir / "pg_config", "--sharedir"], None, env, "pg_config").strip())
        with_pgss = stat_statements and (share / "extension" / "pg_stat_statements.control").is_file()
        options = {**_SPEED, "listen_addresses": "127.0.0.1", "unix_socket_directories": str(sockets)}
        options.update(timezone="UTC", log_timezone="UTC")
        if with_pgss:
            options.update({"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.track": "all"})
        options.update(settings or {})
        error = None
        for _attempt in range(3):  # the port is free when chosen, but another process may take it first
            port = _free_port()
            flags = " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in {**options, "port": port}.items())
            try:
                _call(
                    [bindir / "pg_ctl", "-D", data, "-l", log, "-o", flags, "-w", "-t", "60", "start"],
                    user,
                    env,
                    "start",
                )
                started = True
                break
            except RuntimeError as exc:
                error = f"{exc}; server log: {log.read_text(errors='replace')[-2000:] if log.is_file() else '–'}"
                time.sleep(0.5)
        if not started:
            raise RuntimeError(error)
        connect = ["-h", sockets, "-p", port, "-U", "postgres"]
        _call([bindir / "createdb", *connect, database], user, env, "createdb")
        if with_pgss:
            _call(
                [bindir / "psql", "-X", "-q", *connect, "-d", database, "-c", "CREATE EXTENSION pg_stat_statements"],
                user, env, "CREATE EXTENSION",
            )  # fmt: skip
        url = PgUrl(f"postgres://postgres@127.0.0.1:{port}/{database}")
        url.log, url.port, url.stat_statements, url.bindir = log, port, with_pgss, bindir
        yield url
    finally:
        if started:
            with contextlib.suppress(Exception):
                _call([bindir / "pg_ctl", "-D", data, "-m", "fast", "-w", "-t", "30", "stop"], user, env, "stop")
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":  # a smoke test: python -m tests.backends.pgserver
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"unavailable: {reason}")
    t0 = time.perf_counter()
    with running_postgres() as pg_url:
        print(f"up in {time.perf_counter() - t0:.1f} s: {pg_url} (pg_stat_statements: {pg_url.stat_statements})")
        folder = pg_url.log.parent
    print(f"stopped; folder removed: {not folder.exists()}")
