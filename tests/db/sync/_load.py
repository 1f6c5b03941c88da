"""A load generator for the sync tests and the benchmark: an app's writes, at a steady rate,
on tables chained by foreign keys (accounts <- orders <- items, plus a keyless audit log),
inserts, updates and deletes mixed; every write the database acknowledged is remembered, and
every write it refused (a freeze) counted."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SQLITE_SCHEMA = """
CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, balance NUMERIC(12,2),
                       active BOOLEAN NOT NULL DEFAULT 1, created_at DATETIME DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL
                     REFERENCES accounts(id) ON DELETE CASCADE, status VARCHAR(20), total REAL,
                     meta JSON);
CREATE TABLE items (order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
                    line INTEGER NOT NULL, sku TEXT, qty INTEGER, PRIMARY KEY (order_id, line));
CREATE TABLE audit (at TEXT, what TEXT);
"""


MYSQL_SCHEMA = """
CREATE TABLE accounts (id INT PRIMARY KEY, email VARCHAR(80) NOT NULL UNIQUE,
                       balance DECIMAL(12,2), active TINYINT(1) NOT NULL DEFAULT 1,
                       created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) ENGINE=InnoDB;
CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, account_id INT NOT NULL,
                     status VARCHAR(20), total DOUBLE, meta JSON,
                     FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE) ENGINE=InnoDB;
CREATE TABLE items (order_id INT NOT NULL, line INT NOT NULL, sku VARCHAR(20), qty INT,
                    PRIMARY KEY (order_id, line),
                    FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE CASCADE) ENGINE=InnoDB;
CREATE TABLE audit (at VARCHAR(30), what TEXT) ENGINE=InnoDB;
"""


def fill(
    write: Callable[[str, tuple[Any, ...]], None], accounts: int = 50, mark: str = "?"
) -> None:
    """The starting rows, through any DB-API `write` (placeholders `mark`)."""
    for i in range(1, accounts + 1):
        write(f"INSERT INTO accounts (id, email, balance) VALUES ({mark}, {mark}, {mark})",
              (i, f"a{i}@x.io", i * 1.25))  # fmt: skip
        write(f"INSERT INTO orders (account_id, status, total, meta) VALUES ({mark}, 'new', {mark}, {mark})",
              (i, i * 3.5, f'{{"n": {i}}}'))  # fmt: skip
        write(f"INSERT INTO items VALUES ({mark}, 1, {mark}, {mark})", (i, f"sku{i}", i))


def bulk_rows(orders: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """`orders` more orders (ids from 1000) with two items each: a database of some size."""
    rows = [(1000 + i, 1 + i % 50, "done", i * 0.25, '{"bulk": true}') for i in range(orders)]
    items = [(1000 + i, line, f"b{i % 97}", line) for i in range(orders) for line in (1, 2)]
    return rows, items


def make_sqlite(path: Path, accounts: int = 50, orders: int = 0) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(SQLITE_SCHEMA)
    bulk, items = bulk_rows(orders)
    conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", bulk)
    conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?)", items)
    for i in range(1, accounts + 1):
        conn.execute(
            "INSERT INTO accounts (id, email, balance) VALUES (?, ?, ?)",
            (i, f"a{i}@x.io", i * 1.25),
        )
        conn.execute(
            "INSERT INTO orders (account_id, status, total, meta) VALUES (?, 'new', ?, ?)",
            (i, i * 3.5, f'{{"n": {i}}}'),
        )
        conn.execute("INSERT INTO items VALUES (?, 1, ?, ?)", (i, f"sku{i}", i))
    conn.commit()
    conn.close()


@dataclass
class Load:
    """Writes `rate` statements a second until stopped; counts what was acknowledged."""

    write: Callable[[str, tuple[Any, ...]], None]
    rate: float = 60.0
    seed: int = 1
    acknowledged: int = 0
    refused: int = 0
    refusals: list[str] = field(default_factory=list)
    inserted_orders: list[int] = field(default_factory=list)
    dialect: str = "sqlite"  # sqlite | postgresql | mysql
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    next_account: int = 100_000

    def start(self) -> Load:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def finish(self) -> Load:
        self.stop.set()
        if self.thread:
            self.thread.join()
        return self

    def _run(self) -> None:
        rng = random.Random(self.seed)
        period = 1.0 / self.rate
        due = time.monotonic()
        while not self.stop.is_set():
            sql, args = self._statement(rng)
            if self.dialect == "mysql":
                sql = _mysql(sql)
            try:
                self.write(sql, args)
                self.acknowledged += 1
            except Exception as exc:  # a refused write (frozen) is counted, never retried
                self.refused += 1
                if len(self.refusals) < 5:
                    self.refusals.append(str(exc))
            due += period
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)

    def _statement(self, rng: random.Random) -> tuple[str, tuple[Any, ...]]:
        pick = rng.random()
        account = rng.randint(1, 50)
        if pick < 0.3:
            return (
                "INSERT INTO orders (account_id, status, total, meta) VALUES (?, ?, ?, ?)",
                (account, "new", round(rng.random() * 100, 2), f'{{"r": {rng.randint(0, 9)}}}'),
            )
        if pick < 0.45:
            return (
                "INSERT INTO items (order_id, line, sku, qty) SELECT max(id), ?, ?, ? FROM orders"
                " WHERE true ON CONFLICT DO NOTHING",
                (rng.randint(2, 1_000_000), f"s{rng.randint(0, 99)}", rng.randint(1, 5)),
            )
        if pick < 0.7:
            return (
                "UPDATE orders SET status = ?, total = total + 1 WHERE id = ?",
                (rng.choice(["paid", "sent", "done"]), rng.randint(1, 200)),
            )
        if pick < 0.8:
            return ("UPDATE accounts SET balance = balance + 0.5 WHERE id = ?", (account,))
        if pick < 0.88:
            return ("DELETE FROM items WHERE order_id = ? AND line > 1", (rng.randint(1, 200),))
        if pick < 0.93:
            self.next_account += 1
            n = self.next_account
            return ("INSERT INTO accounts (id, email, balance) VALUES (?, ?, 0)", (n, f"n{n}@x.io"))
        if pick < 0.97:
            return (
                "DELETE FROM orders WHERE id = (SELECT min(id) FROM orders WHERE status = 'done')",
                (),
            )
        at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        return ("INSERT INTO audit VALUES (?, ?)", (at, f"event {rng.randint(0, 9)}"))


def _mysql(sql: str) -> str:
    """The same statement as MySQL takes it."""
    sql = sql.replace("?", "%s")
    sql = sql.replace("INSERT INTO items", "INSERT IGNORE INTO items").replace(
        " WHERE true ON CONFLICT DO NOTHING", ""
    )
    return sql.replace(
        "WHERE id = (SELECT min(id) FROM orders WHERE status = 'done')",
        "WHERE id = (SELECT m FROM (SELECT min(id) AS m FROM orders WHERE status = 'done') AS d)",
    )


def mysql_writer(connect: Callable[[], Any]) -> Callable[[str, tuple[Any, ...]], None]:
    conn = connect()

    def write(sql: str, args: tuple[Any, ...]) -> None:
        with conn.cursor() as cur:
            cur.execute(sql, args)

    return write


def sqlite_writer(path: Path) -> Callable[[str, tuple[Any, ...]], None]:
    """The app's connection: autocommit, foreign keys on, waits for other writers."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")

    def write(sql: str, args: tuple[Any, ...]) -> None:
        conn.execute(sql, args)

    return write
