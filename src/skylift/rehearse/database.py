"""The database stand-in: the embedded PostgreSQL that holds the migrated data (run/_database.py)
answers for moto's RDS instance. The tasks keep the user, password and database name the
task definition gives them (RDS's master user, its password from the secret RDS manages): that
role is created on the embedded server with that password, and the app's database is a fresh
copy of the verified migration for each deploy, owned by that role as on RDS. The embedded server has no SSL; RDS has (and
refuses sessions without it when rds.force_ssl = 1): a TLS front stands in (pgtls.py)."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

from skylift.cloud import embedded_pg
from skylift.cloud._net import free_port
from skylift.rehearse import procs
from skylift.rehearse.certs import server_certificate
from skylift.rehearse.endpoints import Endpoint

MODULE = "skylift.rehearse.pgtls"


def rds_instance(rds: Any) -> dict[str, Any] | None:
    found = rds.describe_db_instances().get("DBInstances") or []
    return found[0] if found else None


def rds_endpoint(instance: dict[str, Any]) -> Endpoint:
    ep = instance.get("Endpoint") or {}
    return Endpoint(str(ep.get("Address") or ""), int(ep.get("Port") or 5432))


def master_password(instance: dict[str, Any], secretsmanager: Any) -> str | None:
    """The password RDS manages for its master user (the secret the tasks read)."""
    import json

    arn = (instance.get("MasterUserSecret") or {}).get("SecretArn")
    if not arn:
        return None
    value = secretsmanager.get_secret_value(SecretId=arn)["SecretString"]
    return str(json.loads(value).get("password") or "") or None


def prepare(state_dir: Path, instance: dict[str, Any], password: str | None) -> Endpoint:
    """The embedded server, with RDS's master user and SSL in front; its endpoint."""
    import psycopg
    from psycopg import sql

    server = embedded_pg.start(state_dir / "postgres")
    user = str(instance.get("MasterUsername") or "postgres")
    if user != "postgres":
        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(sql.SQL(verb + " ROLE {} LOGIN CREATEDB PASSWORD {}").format(
                sql.Identifier(user), sql.Literal(password or "")))  # fmt: skip
    port = front(state_dir, server.port, forces_ssl(state_dir / "tf"))
    return Endpoint("127.0.0.1", port)


def fresh_copy(state_dir: Path, instance: dict[str, Any]) -> bool:
    """The app's database made anew from the verified migration (`<name>_migrated`), owned by
    RDS's master user: each rehearsal deploy starts from the migrated data. False when there
    is no migrated copy (no data step): the app's database is then created empty, once."""
    import psycopg
    from psycopg import sql

    from skylift.run._database import MIGRATED

    server = embedded_pg.start(state_dir / "postgres")
    user = str(instance.get("MasterUsername") or "postgres")
    name = str(instance.get("DBName") or "postgres")
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        has = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name + MIGRATED,)
        ).fetchone()
        if not has:
            embedded_pg.ensure_database(server, name)
        else:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(name + MIGRATED)))  # fmt: skip
        if user != "postgres":
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(name), sql.Identifier(user)))  # fmt: skip
    if user != "postgres":
        with psycopg.connect(server.url(name), autocommit=True) as conn:
            _own(conn, user)
    return bool(has)


def _own(conn: Any, user: str) -> None:
    """The master user owns the app's schema and everything in it (the migration made them as
    the embedded server's superuser)."""
    from psycopg import sql

    rows = conn.execute(
        "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
        " AND n.nspname NOT LIKE 'pg_temp%%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')"
    ).fetchall()
    for schema in {r[0] for r in rows} | {"public"}:
        conn.execute(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(
            sql.Identifier(schema), sql.Identifier(user)))  # fmt: skip
    kinds = {"r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "v": "VIEW",
             "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}  # fmt: skip
    for schema, rel, kind in rows:
        with contextlib.suppress(Exception):  # an extension's object stays the extension's
            conn.execute(sql.SQL("ALTER " + kinds[kind] + " {}.{} OWNER TO {}").format(
                sql.Identifier(schema), sql.Identifier(rel), sql.Identifier(user)))  # fmt: skip


def front(state_dir: Path, upstream: int, require: bool) -> int:
    """The TLS front (pgtls.py) of the embedded server: its port (reused while it runs)."""
    folder = state_dir / "app"
    known_path = folder / "pgtls.state"
    if known_path.is_file():
        known = json.loads(known_path.read_text())
        if procs.alive(known.get("pid"), MODULE) and (known["upstream"], known["require"]) == (
            upstream,
            require,
        ):
            return int(known["listen"])
        procs.stop(known.get("pid"), MODULE)
    # a CA of its own, which the containers do not trust: RDS's CA is in no image's trust
    # store, so a client that verifies (node-postgres' `ssl: true`) fails here as on AWS, even
    # when the cache's CA (a public one on AWS) is mounted into the containers
    certs = server_certificate(folder / "rds")
    port = free_port()
    cfg = {"listen": port, "upstream": upstream, "require": require,
           "cert": str(certs / "server.crt"), "key": str(certs / "server.key")}  # fmt: skip
    pid = procs.spawn(MODULE, cfg, folder, "pgtls")
    known_path.write_text(json.dumps({**cfg, "pid": pid}))
    return port


def stop_front(state_dir: Path) -> bool:
    path = state_dir / "app" / "pgtls.state"
    if not path.is_file():
        return False
    return procs.stop(json.loads(path.read_text()).get("pid"), MODULE)


def forces_ssl(tf_dir: Path) -> bool:
    """rds.force_ssl = 1 in the Terraform's parameter group."""
    for path in tf_dir.glob("*.tf"):
        text = path.read_text(errors="replace")
        if re.search(r'name\s*=\s*"rds\.force_ssl"\s*\n\s*value\s*=\s*"?1"?', text):
            return True
    return False
