"""The nightly job (an EventBridge schedule in infra/schedule.tf)."""

from app import _pg

db = _pg.connect()
db.query("INSERT INTO events (kind) VALUES ('schedule')")
db.close()
print("nightly job ran", flush=True)
