"""Build data/tracker.db: four months of one person's tracker data, same schema as lib/db.ts.

Run `python data/make_db.py` from examples/tracker. Fixed seed: the same bytes every time.
Has ISO datetimes (tasks.createdAt), epoch seconds (completions.createdAt), ISO dates as primary
keys, 0/1 booleans, NULLs, unicode diary text and a JSON value in settings.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

SCHEMA = """
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  passwordHash TEXT NOT NULL,
  createdAt TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  period TEXT NOT NULL CHECK (period IN ('daily', 'weekly', 'once')),
  targetCount INTEGER NOT NULL DEFAULT 1,
  active INTEGER NOT NULL DEFAULT 1,
  sortOrder INTEGER NOT NULL DEFAULT 0,
  scheduledDate TEXT,
  createdAt TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE completions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  taskId INTEGER REFERENCES tasks(id) ON DELETE SET NULL,
  titleSnapshot TEXT NOT NULL,
  date TEXT NOT NULL,
  createdAt INTEGER NOT NULL DEFAULT (strftime('%s', 'now'))
);
CREATE TABLE calorie_entries (date TEXT PRIMARY KEY, calories INTEGER NOT NULL);
CREATE TABLE weight_entries (date TEXT PRIMARY KEY, weight REAL NOT NULL);
CREATE TABLE diary_entries (date TEXT PRIMARY KEY, content TEXT NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
CREATE INDEX completions_task_date ON completions(taskId, date);
"""

TASKS = [("Drink 2L water", "daily", 8), ("Read 20 pages 📚", "daily", 1), ("Gym", "weekly", 3),
         ("Meditate", "daily", 1), ("Call Oma", "weekly", 1), ("Stretch", "daily", 2),
         ("Piano practice 🎹", "daily", 1), ("Meal prep", "weekly", 1), ("Tax return", "once", 1),
         ("Dentist appointment", "once", 1), ("Duolingo — español", "daily", 1), ("Run 5k", "weekly", 2)]
DIARY = ["Good day. Finished the book.", "Tired — slept badly 😴", "Ran in the rain, felt great.",
         "Dinner with Zoë and Søren at the café.", "今日はとても忙しかった。", "Nothing much.\nJust rest.",
         "Started learning \"Clair de Lune\".", "Weight is trending down 🎉"]
START = date(2024, 1, 1)
DAYS = 120


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def build(path: Path) -> None:
    rnd = random.Random(99)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.executescript(SCHEMA)
    t0 = datetime(2024, 1, 1, 9, 15, tzinfo=UTC)
    con.execute("INSERT INTO users (passwordHash, createdAt) VALUES (?, ?)",
                ("$2a$12$" + f"{rnd.getrandbits(212):053x}", t0.strftime("%Y-%m-%d %H:%M:%S")))
    for i, (title, period, target) in enumerate(TASKS, start=1):
        scheduled = (START + timedelta(days=rnd.randint(20, 100))).isoformat() if period == "once" else None
        con.execute(
            "INSERT INTO tasks (title, period, targetCount, active, sortOrder, scheduledDate, createdAt)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (title, period, target, 0 if i == 6 else 1, i, scheduled, iso(t0 + timedelta(hours=i))),
        )
    for day in range(DAYS):
        today = START + timedelta(days=day)
        for task_id in rnd.sample(range(1, len(TASKS) + 1), rnd.randint(1, 4)):
            done_at = datetime.combine(today, datetime.min.time(), UTC) + timedelta(minutes=rnd.randint(360, 1380))
            con.execute(
                "INSERT INTO completions (taskId, titleSnapshot, date, createdAt) VALUES (?, ?, ?, ?)",
                (None if task_id == 10 and day > 90 else task_id, TASKS[task_id - 1][0], today.isoformat(),
                 int(done_at.timestamp())),
            )
        if rnd.random() < 0.85:
            con.execute("INSERT INTO calorie_entries VALUES (?, ?)", (today.isoformat(), rnd.randint(1400, 2900)))
        if rnd.random() < 0.5:
            con.execute("INSERT INTO weight_entries VALUES (?, ?)",
                        (today.isoformat(), round(82.0 - day * 0.03 + rnd.uniform(-0.6, 0.6), 1)))
        if rnd.random() < 0.35:
            con.execute("INSERT INTO diary_entries VALUES (?, ?)", (today.isoformat(), rnd.choice(DIARY)))
    settings = [("calorieGoal", "2200"), ("weightUnit", "kg"), ("theme", "dark"), ("weekStartsOn", "1"),
                ("dashboard", json.dumps({"widgets": ["tasks", "calories", "weight"], "compact": True})),
                ("lastExport", None)]
    con.executemany("INSERT INTO settings VALUES (?, ?)", settings)
    con.commit()
    con.execute("VACUUM")
    con.close()


if __name__ == "__main__":
    build(Path(__file__).resolve().parent / "tracker.db")
