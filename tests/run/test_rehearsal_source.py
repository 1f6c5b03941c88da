"""`up --target local` rehearses apps whose database is a PostgreSQL dump: the dump is loaded
once into a scratch database standing in for the current host's, then migrated from there."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg

from skylift.cloud import embedded_mysql, embedded_pg
from skylift.plan.blueprint import Blueprint
from skylift.run._database import source_url
from skylift.run._targets import Target

ROOT = Path(__file__).resolve().parents[2]


def test_postgres_dump_becomes_the_rehearsal_source(tmp_path: Path) -> None:
    app = tmp_path / "pos-api"
    shutil.copytree(ROOT / "examples" / "pos-api", app)
    bp = Blueprint(app="pos-api", region="us-east-1", tier="starter", compute="fargate",
                   runtime="go", port=8080, health_path="/health",
                   database={"name": "pos_api", "source_engine": "postgresql",
                             "source_files": ["data/dump.sql"]})  # fmt: skip
    target = Target("local", tmp_path / "state")
    try:
        url = source_url(app, bp, None, target)
        assert url is not None and url.endswith("/pos_api_current")
        assert source_url(app, bp, None, target) == url  # loaded once, then reused
        with psycopg.connect(url) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()
        assert tables is not None and tables[0] >= 3
        assert source_url(app, bp, None, Target("aws", tmp_path / "aws")) is None  # never on AWS
    finally:
        embedded_pg.stop(tmp_path / "state" / "postgres")


def test_mysql_dump_becomes_the_rehearsal_source(tmp_path: Path) -> None:
    app = tmp_path / "github-api"
    shutil.copytree(ROOT / "examples" / "github-api", app)
    bp = Blueprint(app="github-api", region="us-east-1", tier="starter", compute="fargate",
                   runtime="node", port=3000, health_path="/health",
                   database={"name": "github_api", "source_engine": "mysql",
                             "source_files": ["data/dump.sql"]})  # fmt: skip
    target = Target("local", tmp_path / "state")
    try:
        url = source_url(app, bp, None, target)
        assert (
            url is not None and url.startswith("mysql://") and url.endswith("/github_api_current")
        )
        assert source_url(app, bp, None, target) == url  # loaded once, the server reused
        from urllib.parse import urlsplit

        import pymysql

        parts = urlsplit(url)
        conn = pymysql.connect(host=parts.hostname, port=parts.port, user="root",
                               password=parts.password, database="github_api_current")  # fmt: skip
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM users")
            assert cur.fetchone()[0] > 0
        conn.close()
    finally:
        assert embedded_mysql.stop(tmp_path / "state" / "mysql")
