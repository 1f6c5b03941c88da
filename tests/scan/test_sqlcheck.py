"""SQLite- and MySQL-only SQL found in code through sqlglot: one construct per line."""

from __future__ import annotations

import json

import pytest

SQLITE = {"name": "app", "dependencies": {"express": "4", "better-sqlite3": "9"}}
MYSQL = {"name": "app", "dependencies": {"express": "4", "mysql2": "3"}}
PG = {"name": "app", "dependencies": {"express": "4", "pg": "8"}}


def codes(scan_files, pkg: dict, code: str) -> set[str]:
    p = scan_files({"package.json": json.dumps(pkg), "src/q.js": code})
    return {f.code for f in p.findings if f.code.startswith(("sqlite-", "mysql-"))}


@pytest.mark.parametrize(
    ("pkg", "code", "expected"),
    [
        (SQLITE, "db.prepare('SELECT * FROM t WHERE id = ?')", {"sqlite-placeholder"}),
        (SQLITE, "db.prepare(\"UPDATE t SET at = datetime('now')\")", {"sqlite-datetime"}),
        (
            SQLITE,
            "db.prepare(\"SELECT * FROM t WHERE d >= date('now', '-7 days')\")",
            {"sqlite-datetime"},
        ),
        (
            SQLITE,
            "db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)`)",
            {"sqlite-autoincrement"},
        ),
        (SQLITE, "db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (1, 2)')", {"sqlite-upsert"}),
        (SQLITE, "db.prepare('SELECT * FROM t LIMIT 10, 20')", {"sqlite-limit-offset"}),
        (SQLITE, "db.prepare('SELECT IFNULL(MAX(n), 0) FROM t')", {"sqlite-ifnull"}),
        (MYSQL, "pool.query('SELECT `id` FROM `users`')", {"mysql-backticks"}),
        (
            MYSQL,
            "pool.query('INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a)')",
            {"mysql-upsert"},
        ),
        (MYSQL, "pool.query('SELECT a FROM t LIMIT 5, 10')", {"mysql-limit-offset"}),
        (
            SQLITE,
            "db.prepare(\"SELECT * FROM t WHERE note = 'why?'\")",
            set(),
        ),  # a ? inside a string
        (SQLITE, "label = 'Select a household to continue'", set()),  # not SQL: does not parse
        (SQLITE, "// db.prepare('SELECT * FROM t WHERE id = ?')", set()),  # commented out
        (SQLITE, "db.prepare('SELECT * FROM t LIMIT 10 OFFSET 20')", set()),
        (
            PG,
            "pool.query('SELECT * FROM t WHERE id = ?')",
            set(),
        ),  # already PostgreSQL: not checked
    ],
)
def test_construct(scan_files, pkg, code, expected) -> None:
    assert codes(scan_files, pkg, code) == expected


def test_line_inside_a_multiline_template(scan_files) -> None:
    code = "db.exec(`\n  CREATE TABLE a (\n    id INTEGER PRIMARY KEY AUTOINCREMENT,\n    at TEXT DEFAULT (datetime('now'))\n  );\n`);\n"
    p = scan_files({"package.json": json.dumps(SQLITE), "src/q.js": code})
    where = {f.code: [str(e) for e in f.evidence] for f in p.findings}
    assert where["sqlite-autoincrement"] == ["src/q.js:3"]
    assert where["sqlite-datetime"] == ["src/q.js:4"]


def test_go_raw_strings_and_python_triple_quotes(scan_files) -> None:
    gomod = "module x\n\ngo 1.22\n\nrequire github.com/go-sql-driver/mysql v1.8.0\n"
    go = 'package db\n\nconst q = `SELECT id FROM t LIMIT 0, 10`\nvar u = "REPLACE INTO t (id) VALUES (?)"\n'
    p = scan_files({"go.mod": gomod, "db/q.go": go})
    assert {f.code for f in p.findings} >= {
        "mysql-limit-offset",
        "mysql-upsert",
        "mysql-placeholder",
    }


def test_title_counts_places(scan_files) -> None:
    code = "db.prepare('SELECT 1 FROM t WHERE a = ?')\ndb.prepare('SELECT 1 FROM t WHERE b = ?')\n"
    p = scan_files({"package.json": json.dumps(SQLITE), "src/q.js": code})
    f = next(f for f in p.findings if f.code == "sqlite-placeholder")
    assert "2 place(s)" in f.title and f.suggestion
