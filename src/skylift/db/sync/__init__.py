"""Continuous sync, cutover and rollback, per source engine (see docs/sync.md).

    run.sync(SOURCE, TARGET, options=Options(...), stop=event)   # `skylift db sync`
    cutover.cutover(SOURCE, TARGET, freeze_command=None)         # `skylift db cutover`
    cutover.rollback(SOURCE, TARGET)                             # `skylift db rollback`
    status.read(workdir, TARGET)          # what a running sync wrote (lag, counts), any process
    cutover.journal(TARGET, "cutover")    # the steps done, with their details

Inside: `changes` (what a capture hands the applier), `apply` (one verified target
transaction per batch), one module per capture engine (`sqlite`, `mysql`, `postgres` — its
triggers, and the choice — `pg_logical` with `pgoutput` and `pg_slot` for a slot), the
freeze and copy back of each (`sqlite`, `back_sqlite`, `mysql_freeze`, `pg_freeze`), the
target's own capture for a rollback (`target_capture`), and the journals (`state`, `status`).
"""
