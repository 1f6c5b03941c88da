"""Build data/pantrypal.db: a deterministic copy of PantryPal's production database shape.

Run `python data/make_db.py` from examples/pantrypal. Same seed, same rows, every time.
The schema is the one src/db.js creates (AUTOINCREMENT keys, DEFAULT (datetime('now')),
0/1 booleans, a JSON text column, an epoch-seconds column).
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

SCHEMA = """
CREATE TABLE households (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  invite_code TEXT UNIQUE,
  latitude REAL,
  longitude REAL,
  created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  display_name TEXT,
  household_id INTEGER REFERENCES households(id) ON DELETE SET NULL,
  is_admin INTEGER NOT NULL DEFAULT 0,
  last_login_at INTEGER,
  created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  quantity REAL NOT NULL DEFAULT 1,
  unit TEXT,
  category TEXT,
  expires_on TEXT,
  is_checked INTEGER NOT NULL DEFAULT 0,
  metadata TEXT,
  added_by INTEGER REFERENCES users(id),
  created_at TEXT NOT NULL DEFAULT (datetime('now')),
  updated_at TEXT
);
CREATE INDEX idx_items_household ON items(household_id);
"""

HOUSEHOLDS = ["The Nguyens", "Casa García", "Flat 4B", "Müller WG", "Okafor family",
              "Smith & Jones", "Björk cabin", "Tanaka 田中", "Dupont-Lefèvre", "Rossi"]
FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Émile", "Fatima", "Grace", "Hiro", "Ines", "Jonas",
         "Kwame", "Lena", "Mateo", "Nadia", "Olu", "Priya", "Quinn", "Rosa", "Søren", "Zoë"]
ITEMS = [("Milk", "L", "dairy"), ("Eggs", "pcs", "dairy"), ("Sourdough", None, "bakery"),
         ("Crème fraîche", "g", "dairy"), ("Jalapeños", "pcs", "produce"), ("Rice", "kg", "pantry"),
         ("Olive oil", "ml", "pantry"), ("Bananas", "pcs", "produce"), ("Tofu", "g", "protein"),
         ("Chicken thighs", "kg", "protein"), ("Oat milk", "L", "dairy"), ("Kimchi 김치", "g", "produce"),
         ("Coffee beans", "g", "pantry"), ("Spinach", "g", "produce"), ("Paprika", None, "spices")]
EPOCH = datetime(2024, 3, 1, 8, 0, 0, tzinfo=UTC)


def build(path: Path) -> None:
    rnd = random.Random(20240301)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.executescript(SCHEMA)
    for i, name in enumerate(HOUSEHOLDS, start=1):
        created = EPOCH + timedelta(days=i * 3, minutes=rnd.randint(0, 1440))
        lat = None if i % 4 == 0 else round(rnd.uniform(-40, 60), 6)
        lon = None if lat is None else round(rnd.uniform(-120, 150), 6)
        con.execute(
            "INSERT INTO households (name, invite_code, latitude, longitude, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (name, f"{rnd.getrandbits(32):08x}", lat, lon, created.strftime("%Y-%m-%d %H:%M:%S")),
        )
    users = []
    for i in range(1, 61):
        first = FIRST[i % len(FIRST)]
        household = None if i % 13 == 0 else rnd.randint(1, len(HOUSEHOLDS))
        created = EPOCH + timedelta(days=rnd.randint(3, 200), seconds=rnd.randint(0, 86399))
        login = None if i % 7 == 0 else int((created + timedelta(days=rnd.randint(0, 60))).timestamp())
        con.execute(
            "INSERT INTO users (email, password_hash, display_name, household_id, is_admin,"
            " last_login_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (f"{first.lower()}.{i}@example.com", "$2a$10$" + f"{rnd.getrandbits(200):050x}"[:53],
             None if i % 11 == 0 else f"{first} {chr(65 + i % 26)}.", household,
             1 if i % 9 == 1 else 0, login, created.strftime("%Y-%m-%d %H:%M:%S")),
        )
        users.append((i, household))
    for i in range(1, 401):
        name, unit, category = ITEMS[rnd.randrange(len(ITEMS))]
        household = rnd.randint(1, len(HOUSEHOLDS))
        created = EPOCH + timedelta(days=rnd.randint(10, 250), seconds=rnd.randint(0, 86399))
        expires = None if rnd.random() < 0.3 else (created + timedelta(days=rnd.randint(1, 30))).date().isoformat()
        meta = None if i % 5 == 0 else json.dumps(
            {"brand": rnd.choice(["Aldi", "Lidl", "Whole Foods", "無印良品", None]),
             "barcode": str(rnd.randint(10**11, 10**12 - 1)), "tags": rnd.sample(["organic", "bulk", "sale", "vegan"], 2)},
            ensure_ascii=False)
        updated = None if rnd.random() < 0.5 else (created + timedelta(hours=rnd.randint(1, 72))).strftime("%Y-%m-%d %H:%M:%S")
        con.execute(
            "INSERT INTO items (household_id, name, quantity, unit, category, expires_on, is_checked,"
            " metadata, added_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (household, name, rnd.choice([1, 2, 0.5, 1.5, 6, 500]), unit, category, expires,
             rnd.randint(0, 1), meta, None if i % 17 == 0 else rnd.randint(1, 60),
             created.strftime("%Y-%m-%d %H:%M:%S"), updated),
        )
    con.commit()
    con.execute("VACUUM")
    con.close()


if __name__ == "__main__":
    build(Path(__file__).resolve().parent / "pantrypal.db")
