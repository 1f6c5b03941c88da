"""The queue worker: records that it ran (a row and a cache key), then waits for work."""

import time

from app import _pg, _redis

db = _pg.connect()
db.query("INSERT INTO events (kind) VALUES ('worker')")
db.close()
_redis.connect().call("SET", "shop:worker", "ran")
print("worker ran", flush=True)
while True:
    time.sleep(60)
