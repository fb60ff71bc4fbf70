#!/usr/bin/env python3
"""Back up the database, or restore a backup into a fresh one (`make backup`, `make restore`).

    python scripts/backup.py backup [FILE]
    python scripts/backup.py restore FILE [--data-only]

The database is the one the application uses: DATABASE_URL, or the embedded
SQLite file db.sqlite3 when it is not set.

PostgreSQL: `backup` writes a pg_dump custom-format archive (pg_dump -Fc).
`restore` loads it into the database DATABASE_URL names, which must not
exist yet (it is created) or be empty; pg_restore creates the tables, loads
the rows, then creates the indexes, constraints and triggers, so the lock
triggers are back in place and never see the rows being loaded. With
`--data-only` the target already has the schema (migrated, or restored with
pg_restore --schema-only) and keeps its triggers: the script empties its
tables and loads the rows in one transaction with session_replication_role =
replica, so no trigger fires while the record is put back (this needs a
superuser, like pg_restore --disable-triggers). The client tools must be at
least the server's version.

SQLite: `backup` copies the database with SQLite's online backup API (safe
while the site runs); `restore` copies a backup into the database file, which
must not exist yet or be empty.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

Database = dict[str, Any]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


def default_database() -> Database:
    """The application's database settings, resolved as the application resolves them."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings

    django.setup()
    return dict(settings.DATABASES["default"])


def is_postgres(db: Database) -> bool:
    return "postgresql" in db["ENGINE"]


def backup(db: Database, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if is_postgres(db):
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"], db)
    else:
        with closing(_sqlite(db["NAME"])) as source, closing(sqlite3.connect(path)) as target:
            source.backup(target)
    return path


def restore(db: Database, path: Path, *, data_only: bool = False) -> None:
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    if not is_postgres(db):
        if data_only:
            raise BackupError("--data-only is for PostgreSQL; a SQLite backup is the whole file.")
        _restore_sqlite(db, path)
    elif data_only:
        _restore_postgres_data(db, path)
    else:
        _restore_postgres(db, path)


# --- PostgreSQL -----------------------------------------------------------------------------


def _environment(db: Database) -> dict[str, str]:
    env = dict(os.environ)
    for variable, key in [
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ]:
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client).")
    return found


def _run(command: list[str], db: Database, *, stdin: bytes | None = None) -> bytes:
    completed = subprocess.run(
        [_tool(command[0]), *command[1:]],
        env=_environment(db),
        input=stdin,
        capture_output=True,
        check=False,
    )
    if completed.returncode != 0:
        raise BackupError(completed.stderr.decode(errors="replace").strip())
    return completed.stdout


def _connect(db: Database, name: str | None = None):
    import psycopg

    return psycopg.connect(
        dbname=name or db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def _tables(db: Database) -> list[str]:
    with _connect(db) as connection:
        rows = connection.execute(
            "SELECT quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname = current_schema() ORDER BY tablename"
        ).fetchall()
    return [row[0] for row in rows]


def _database_exists(db: Database) -> bool:
    with _connect(db, "postgres") as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        return row.fetchone() is not None


def _restore_postgres(db: Database, path: Path) -> None:
    from psycopg import sql

    if not _database_exists(db):
        with _connect(db, "postgres") as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
    elif _tables(db):
        raise BackupError(
            f"The database {db['NAME']} already has tables. Restore into a new database "
            "(name it in DATABASE_URL), or use --data-only on a database with the schema."
        )
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={db['NAME']}",
            str(path),
        ],
        db,
    )


def _restore_postgres_data(db: Database, path: Path) -> None:
    tables = _tables(db) if _database_exists(db) else []
    if "appraisal_quarter" not in tables:
        raise BackupError(
            f"The database {db['NAME']} has no schema; migrate it first, or restore without "
            "--data-only into a new database."
        )
    with _connect(db) as connection:
        held = connection.execute(
            "SELECT EXISTS (SELECT 1 FROM appraisal_quarter) "
            "OR EXISTS (SELECT 1 FROM employees_employee)"
        ).fetchone()[0]
    if held:
        raise BackupError(
            f"The database {db['NAME']} already holds quarters or employees; "
            "a restore goes into a fresh database."
        )
    rows = _run(
        ["pg_restore", "--data-only", "--no-owner", "--no-privileges", "--file=-", str(path)], db
    )
    # One transaction: the rows migrate wrote (defaults, criteria, groups) make
    # way for the backup's, and no trigger fires while the record is loaded.
    prefix = (
        f"SET session_replication_role = replica;\nTRUNCATE {', '.join(tables)} RESTART IDENTITY;\n"
    ).encode()
    _run(
        ["psql", "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"],
        db,
        stdin=prefix + rows,
    )


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite(name: object) -> sqlite3.Connection:
    name = str(name)
    # Django's test databases are shared in-memory ones, named by URI.
    return sqlite3.connect(name, uri=name.startswith("file:"))


def _restore_sqlite(db: Database, path: Path) -> None:
    with closing(_sqlite(db["NAME"])) as target:
        if target.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]:
            raise BackupError(
                f"The database {db['NAME']} already has tables. Move it away first, or restore "
                "into a new file (name it in DATABASE_URL)."
            )
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source:
            source.backup(target)


# --- The command line -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="Write a backup of the database.")
    make.add_argument("file", nargs="?", help="Default: backups/smile-<date>-<time>.<ext>.")
    load = commands.add_parser("restore", help="Restore a backup into a fresh database.")
    load.add_argument("file")
    load.add_argument("--data-only", action="store_true", help="PostgreSQL: rows only.")
    options = parser.parse_args(argv)
    db = default_database()
    try:
        if options.command == "backup":
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            suffix = "dump" if is_postgres(db) else "sqlite3"
            path = Path(options.file or ROOT / "backups" / f"smile-{stamp}.{suffix}")
            print(f"Backed up {db['NAME']} to {backup(db, path)}.")
        else:
            restore(db, Path(options.file), data_only=options.data_only)
            print(f"Restored {options.file} into {db['NAME']}.")
    except BackupError as error:
        print(f"Nothing was done: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
