"""Backups written, not only a bucket: a daily pg_dump of the database into the backups bucket.

EventBridge Scheduler starts a one-off Fargate task (PostgreSQL's own client image, the
database's major version) that streams `pg_dump --format=custom` to S3, encrypted with the
app's KMS key. The bucket keeps each dump `sizes.backup_keep_days` days (an expiration rule
on pg_dump/, and the old version removed a day later), which is exactly what the plan says.
RDS's automated snapshots and point-in-time restore stay the first line; the dumps are a copy
outside RDS that a deleted instance or a bad migration cannot take with it.
"""

from __future__ import annotations

from skylift.config import Config
from skylift.plan._cron import runs_per_month
from skylift.plan.blueprint import Blueprint, Decision, Resource

CRON = "0 3 * * *"  # every day at 03:00 UTC
TASK_CPU, TASK_MEMORY = 256, 512  # the smallest Fargate task: pg_dump streams, holds nothing
RUN_MINUTES = 10  # a small database dumps in well under a minute; room for a larger one


def export(cfg: Config, bp: Blueprint) -> list[Resource]:
    if not bp.database or cfg.compute != "fargate":
        return []
    days = cfg.sizes.backup_keep_days
    settings = {
        "cron": CRON,
        "aws_cron": "0 3 * * ? *",
        "runs_per_month": runs_per_month(CRON),
        "run_minutes": RUN_MINUTES,
        "cpu_units": TASK_CPU,
        "memory": TASK_MEMORY,
        "arch": bp.cpu_arch,
        "prefix": "pg_dump/",
        "keep_days": days,
        "image": "public.ecr.aws/docker/library/postgres:<major>-alpine",
    }
    decision = Decision(
        f"a daily pg_dump into the backups bucket, kept {days} days",
        "EventBridge Scheduler starts a one-off task at 03:00 UTC that streams pg_dump to the "
        f"backups bucket (KMS-encrypted); an expiration rule deletes each dump after {days} "
        "days (sizes.backup_keep_days). RDS snapshots and point-in-time restore remain; the "
        "dumps survive the instance and restore anywhere with pg_restore",
        {
            "RDS snapshots only": "gone with the instance unless copied, and restore only into RDS",
            "AWS Backup": "a vault and a plan per resource for what one scheduled task does",
        },
    )
    return [
        Resource(
            "db_export",
            "ecs-task",
            settings,
            decision,
            terraform=["aws_scheduler_schedule.db_export"],
        )
    ]
