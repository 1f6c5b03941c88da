"""`skylift down`: remove what `skylift up` built (terraform destroy; for the local target also
stop the embedded AWS and the embedded PostgreSQL)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from skylift.cloud import embedded_mysql, embedded_pg, moto_server
from skylift.cloud.terraform import Terraform
from skylift.run._targets import open_target, state_dir
from skylift.run.journal import Journal


@dataclass
class DownResult:
    target: str
    destroyed: bool
    stopped: list[str]


def down(
    root: Path,
    *,
    target: str = "local",
    environment: str = "prod",
    log: Callable[[str], None] | None = None,
) -> DownResult:
    say = log or (lambda _m: None)
    root = root.resolve()
    sdir = state_dir(root, target)
    journal = Journal(root / ".skylift" / "journal.jsonl")
    stopped: list[str] = []
    destroyed = False
    if target == "local":
        from skylift import rehearse

        stopped += rehearse.stop(sdir)  # the app's containers first: they use the servers below
        # The embedded AWS holds every resource in memory: stopping it removes them all at
        # once (a terraform destroy would stop at deletion protection, as it should on AWS).
        if moto_server.stop(sdir):
            stopped.append("embedded AWS (moto)")
            destroyed = True
        if embedded_pg.stop(sdir / "postgres"):
            stopped.append("embedded PostgreSQL")
        if embedded_mysql.stop(sdir / "mysql"):
            stopped.append("embedded MariaDB")
        embedded_pg.remove(sdir / "postgres")  # its data may live outside (cloud/_private.py)
        shutil.rmtree(sdir, ignore_errors=True)
    else:
        destroyed = _destroy(root, target, environment, say)
    journal.record("down", "done", target=target, destroyed=destroyed, stopped=stopped)
    return DownResult(target, destroyed, stopped)


def _destroy(root: Path, target: str, environment: str, say: Callable[[str], None]) -> bool:
    from skylift.plan.blueprint import Blueprint
    from skylift.run.up import load_plan

    bp: Blueprint = load_plan(root).blueprint
    tgt = open_target(root, target, bp.app, environment, bp.region)
    tf = Terraform(root / "infra", tgt.state_dir / "tf", tgt.env)
    tf.sync(tgt.override)
    tf.init(tgt.backend_config)
    say("terraform destroy")
    tf.destroy([f"envs/{environment}.tfvars"], tgt.variables)
    return True
