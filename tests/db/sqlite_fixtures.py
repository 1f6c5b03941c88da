"""Real SQLite files shaped like app databases, with every schema feature and bad value."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

APP_SCHEMA = """
CREATE TABLE "user" (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  "displayName" TEXT,
  is_admin BOOLEAN NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL DEFAULT (datetime('now')),
  score REAL,
  balance NUMERIC(10,2),
  avatar BLOB,
  prefs JSON,
  born DATE DEFAULT (date('now')),
  code VARCHAR(4)
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES "user"(id) ON DELETE CASCADE ON UPDATE RESTRICT,
  status TEXT CHECK (status IN ('new', 'paid')),
  total REAL DEFAULT 0,
  placed_at TIMESTAMP,
  "note text" TEXT
);
CREATE TABLE order_items (
  order_id INTEGER REFERENCES orders(id),
  sku TEXT NOT NULL,
  qty INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (order_id, sku)
);
CREATE TABLE kv (k TEXT PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE events (kind TEXT, at INTEGER);
CREATE INDEX idx_orders_paid ON orders(user_id) WHERE status = 'paid';
CREATE INDEX idx_user_email_lower ON "user"(lower(email));
CREATE UNIQUE INDEX ux_items ON order_items(sku, order_id);
CREATE VIEW paid_orders AS SELECT id, total FROM orders WHERE status = 'paid';
CREATE VIEW glob_notes AS SELECT id FROM orders WHERE "note text" GLOB 'x*';
CREATE TRIGGER orders_touch AFTER UPDATE ON orders BEGIN
  UPDATE orders SET placed_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
CREATE TRIGGER orders_log AFTER INSERT ON orders BEGIN
  INSERT INTO events (kind, at) VALUES ('order', strftime('%s', 'now'));
END;
"""

FLOATS = [0.1, 1 / 3, 1e300, 2.0**53, -1.5e-300, 123456.789, 0.30000000000000004]
TEXTS = ["plain", "☕ coffee — ünïcode 🚀", "quote ' and \" double", "tab\tnew\nline\r\\back", ""]


def make_app_db(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.executescript(APP_SCHEMA)
    for i in range(1, 41):
        db.execute(
            'INSERT INTO "user" (email, "displayName", is_admin, created_at, score, balance, '
            "avatar, prefs, born, code) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                f"user{i}@example.com",
                TEXTS[i % len(TEXTS)] if i % 7 else None,
                i % 2,
                f"2025-0{1 + i % 9}-1{i % 9} 08:30:0{i % 10}",
                FLOATS[i % len(FLOATS)],
                round(i * 10.25, 2),
                bytes(range(i % 5, 40 + i % 7)) if i % 3 else None,
                json.dumps({"theme": "dark", "n": i, "tags": ["a", "ü"], "f": 1.5})
                if i % 4
                else None,
                f"19{50 + i}-0{1 + i % 9}-2{i % 8}",
                f"c{i % 100}",
            ),
        )
    db.execute('DELETE FROM "user" WHERE id > 38')  # sqlite_sequence stays at 40
    for i in range(1, 61):
        placed = [
            f"2025-03-0{1 + i % 9} 10:00:00",
            1735689600 + i,
            1735689600000 + i,
            "2025-03-01T10:00:00.123456+02:00",
        ][i % 4]
        db.execute(
            'INSERT INTO orders (id, user_id, status, total, placed_at, "note text") VALUES (?,?,?,?,?,?)',
            (i * 10, 1 + i % 30, ["new", "paid"][i % 2], i * 1.1, placed, TEXTS[i % len(TEXTS)]),
        )
        db.execute("INSERT INTO order_items VALUES (?,?,?)", (i * 10, f"sku-{i}", i % 3 + 1))
    db.execute("INSERT INTO kv VALUES ('a', 1), ('b', 'text'), ('c', 2.5)")
    db.commit()
    db.close()
    return path


def make_bad_db(path: Path) -> Path:
    """One table whose rows each carry one class of bad value (and two good rows)."""
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE things (id INTEGER PRIMARY KEY, n INTEGER, label TEXT, day DATE, "
        "doc JSON, flag BOOLEAN, amount NUMERIC(6,2))"
    )
    rows = [
        (1, 1, "good", "2025-01-01", '{"a": 1}', 1, 1.5),
        (2, "abc", "text in an integer column", "2025-01-02", None, 0, 1),
        (3, 3, "NUL \x00 inside", "2025-01-03", None, 0, 1),
        (4, 4, "impossible date", "2024-02-30", None, 0, 1),
        (5, 5, "ambiguous date", "01/02/2024", None, 0, 1),
        (6, 6, "invalid json", "2025-01-06", "{not json", 0, 1),
        (7, 1e30, "out of range", "2025-01-07", None, 0, 1),
        (8, 8, "not a boolean", "2025-01-08", None, 2, 1),
        (9, 9, "good too", "2025-01-09", '[1, 2.50, {"z": null}]', 0, 12.345),
    ]
    db.executemany("INSERT INTO things VALUES (?,?,?,?,?,?,?)", rows)
    db.execute(
        "INSERT INTO things VALUES (10, 10, CAST(? AS TEXT), '2025-01-10', NULL, 0, 1)",
        (b"\xff\xfe bad utf-8",),
    )
    db.commit()
    db.close()
    return path


def make_big_db(path: Path, rows: int) -> Path:
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT NOT NULL, value REAL, at DATETIME)"
    )
    db.executemany(
        "INSERT INTO log VALUES (?,?,?,?)",
        ((i, f"message {i} ☕", i / 7, "2025-05-05 05:05:05") for i in range(1, rows + 1)),
    )
    db.commit()
    db.close()
    return path
