#!/usr/bin/env python3
"""`skylift cutover` and `skylift rollback` under an app's writes, on the embedded AWS.

    python bench/cutover_bench.py [--sizes 0,100000] [--rates 50,200] [--seconds 8] [--soak 1]

For each database size (extra orders, two items each: tests/db/sync/_load.py) and write rate:
a fresh SQLite app database, a PostgreSQL target (the embedded server), and on a moto server a
load balancer, the domain's Route 53 zone and the two gate alarms (tests/run/_cutover_env.py).
The load generator writes the whole time through a writer that follows the database, as the
app behind the old host's forwarder would: to the old database until `skylift cutover` moved
it (a write the freeze refuses is counted, not retried), then to the new one. `skylift db sync`
runs in its own process, its lag sampled every 0.25 s for `--seconds`; then the whole cutover
(preflight, database, forwarder, weighted traffic 10/50/100 with `--soak` seconds each), the
app writing on AWS for a while, and `skylift rollback`. Checked exactly (every row of every
table): after the cutover, every write the old database acknowledged is on the target; after
the rollback, every write made on the target is in the old database. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skylift.cloud import embedded_pg, moto_server  # noqa: E402
from skylift.cutover import Options, cutover, rollback  # noqa: E402
from skylift.cutover.journal import Journal  # noqa: E402
from skylift.db.sync import status  # noqa: E402
from tests.db.sync._check import assert_same, sqlite_rows  # noqa: E402
from tests.db.sync._load import Load, make_sqlite  # noqa: E402
from tests.run._cutover_env import Follow, balancer, make_setup  # noqa: E402


def _sample_lag(work: Path, target: str, seconds: float) -> list[float]:
    while (status.read(work, target) or {}).get("state") not in ("syncing", "caught-up"):
        time.sleep(0.1)
    time.sleep(2)  # past the first catch-up
    lags, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        lags.append(float((status.read(work, target) or {}).get("lag_seconds", 0)))
        time.sleep(0.25)
    return lags


def run_one(moto: str, lb: Any, server: Any, size: int, rate: float, seconds: float,
            soak: float) -> dict[str, Any]:  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="skylift-cutbench-"))
    source = folder / "app.db"
    make_sqlite(source, orders=size)
    target = embedded_pg.ensure_database(server, f"cut_{size}_{int(rate)}_{int(time.time())}")
    setup = make_setup(moto, folder, lb[0], lb[1], source, target)
    work = setup.db_workdir
    journal = Journal.at(folder, "local", "prod")
    follow = Follow(source, target, journal, on_switch=lambda: assert_same(source, target))
    try:
        load = Load(follow.write, rate=rate).start()
        sync = subprocess.Popen(
            [sys.executable, "-m", "skylift", "db", "sync", str(source), target, "--workdir", str(work)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        lags = _sample_lag(work, target, seconds)
        started = time.monotonic()
        moved = cutover(setup, Options(soak=soak, poll=0.2, max_lag=5))
        took = time.monotonic() - started
        refused = load.refused
        sync.wait(60)
        old_acked = follow.writes["old"]
        follow.hold = True  # after the rollback the old host still forwards until checked
        time.sleep(min(seconds, 5))  # the app writes on AWS
        back = rollback(setup)
        load.finish()
        follow.close()
        assert moved.finished and back.finished and follow.checked
        assert_same(source, target)  # every write made on the target is in the source
        rows = sum(len(v) for v in sqlite_rows(source).values())
        return {
            "rows": rows, "rate": rate, "acknowledged": load.acknowledged,
            "old": old_acked, "new": follow.writes["new"], "refused": refused,
            "freeze": moved.frozen_seconds, "window": max(follow.windows or [0.0]),
            "lag_median": statistics.median(lags) if lags else 0.0,
            "lag_p95": sorted(lags)[int(len(lags) * 0.95)] if lags else 0.0,
            "cutover_seconds": took, "rollback_freeze": back.frozen_seconds,
        }  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="0,100000")
    parser.add_argument("--rates", default="50,200")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--soak", type=float, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="skylift-cutbench-aws-"))
    moto = moto_server.start(folder / "moto").url
    server = embedded_pg.start(folder / "pg")
    lb = balancer(moto)
    print("| rows | writes/s | acknowledged | on the old database, all on the target after "
          "cutover | written on AWS | refused (frozen) | freeze window | write-unavailability "
          "window | sync lag median / p95 | cutover (3 steps) | in the old database after "
          "rollback |")  # fmt: skip
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            for rate in [float(r) for r in args.rates.split(",")]:
                r = run_one(moto, lb, server, size, rate, args.seconds, args.soak)
                print(f"| {r['rows']:,} | {r['rate']:.0f} | {r['acknowledged']:,} | "
                      f"all {r['old']:,} | {r['new']:,} | {r['refused']:,} | {r['freeze']:.2f} s"
                      f" | {r['window']:.2f} s | {r['lag_median']:.2f} / {r['lag_p95']:.2f} s | "
                      f"{r['cutover_seconds']:.1f} s | all |", flush=True)  # fmt: skip
    finally:
        embedded_pg.stop(folder / "pg")
        moto_server.stop(folder / "moto")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
