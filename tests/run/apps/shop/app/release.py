"""The release step (Procfile `release:`): the schema change each deploy runs first."""

import sys

from app import _pg

if "--fail" in sys.argv:
    print("release: migration 002 failed: column already exists", flush=True)
    sys.exit(3)
db = _pg.connect()
db.query("CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY)")
db.query("INSERT INTO schema_migrations VALUES ('001') ON CONFLICT DO NOTHING")
db.query("INSERT INTO events (kind) VALUES ('release')")
db.close()
print("release: migrations applied", flush=True)
