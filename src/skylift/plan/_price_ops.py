"""Cost lines of the data stores and operations: RDS, ElastiCache, KMS, secrets, logs (the
app's, VPC flow logs, WAF's), Container Insights, alarms, WAF, DNS, buckets, ECR, budgets."""

from __future__ import annotations

from skylift.plan._pricer import Pricer
from skylift.plan.blueprint import Resource

KMS_FREE_REQUESTS = 20_000  # a month, per account


def rds(pr: Pricer, r: Resource) -> None:
    s, h = r.settings, pr.h
    copies = 2 if s["multi_az"] else 1
    why = " (Multi-AZ: primary + standby)" if copies == 2 else ""
    pr.add(
        r.key,
        f"RDS {s['instance_class']} instance{why}",
        f"rds.{s['instance_class']}.hour",
        copies * h,
        f"{copies} instance(s) x {h} h",
    )
    pr.add(
        r.key,
        f"RDS gp3 storage{why}",
        "rds.storage_gp3.gb_month",
        copies * s["allocated_storage"],
        f"{copies} x {s['allocated_storage']} GB",
    )
    extra = pr.bp.assumptions["db_backup_extra_gb"]
    pr.add(
        r.key,
        "RDS backup storage beyond the free allowance",
        "rds.backup.gb_month",
        extra,
        f"{extra:g} GB",
        f"backups up to {s['allocated_storage']} GB (100% of storage) are "
        f"free; {s['backup_retention_period']} days of a small database stay within it",
    )
    gb = s["log_gb_per_month"]
    pr.add(
        r.key,
        "RDS logs exported to CloudWatch",
        "logs.ingest_gb",
        gb,
        f"{gb:g} GB",
        f"{', '.join(s['log_exports'])} logs: queries slower than 1 s and schema changes",
    )


def elasticache(pr: Pricer, r: Resource) -> None:
    t = r.settings["node_type"]
    pr.add(
        r.key,
        f"ElastiCache {t} nodes",
        f"elasticache.{t}.hour",
        r.count * pr.h,
        f"{r.count} node(s) x {pr.h} h",
    )


def kms(pr: Pricer, r: Resource) -> None:
    pr.add(r.key, "KMS customer-managed key", "kms.key_month", 1, "1 key")
    req = r.settings["requests_per_month"]
    pr.add(
        r.key,
        "KMS requests beyond the free tier",
        "kms.request_10k",
        max(0, req - KMS_FREE_REQUESTS) / 10_000,
        f"max(0, {req:,} - {KMS_FREE_REQUESTS:,} free) / 10,000",
        f"about {req:,} requests a month: task starts reading secrets, log and backup "
        "encryption (S3 bucket keys and log data keys keep it low)",
    )


def secrets(pr: Pricer, r: Resource) -> None:
    if r.count:
        pr.add(
            r.key,
            "SSM standard parameters (SecureString)",
            "ssm.standard_parameter_month",
            r.count,
            f"{r.count} parameter(s), written by `skylift up`",
        )


def db_secret(pr: Pricer, r: Resource) -> None:
    pr.add(
        r.key, "Secrets Manager: RDS master password", "secretsmanager.secret_month", 1, "1 secret"
    )


def _log_group(pr: Pricer, r: Resource, what: str, gb: float, why: str) -> None:
    days = r.settings["retention_days"]
    pr.add(r.key, f"{what} ingestion", "logs.ingest_gb", gb, f"{gb:g} GB", why)
    pr.add(
        r.key,
        f"{what} storage",
        "logs.storage_gb_month",
        gb * days / 30,
        f"{gb:g} GB x {days} days retention / 30",
        "steady state, before compression",
    )


def logs(pr: Pricer, r: Resource) -> None:
    gb = pr.bp.assumptions["log_gb"]
    _log_group(pr, r, "CloudWatch Logs", gb, f"{gb:g} GB of app logs a month")


def flow_logs(pr: Pricer, r: Resource) -> None:
    gb = r.settings["gb_per_month"]
    _log_group(pr, r, "VPC flow logs", gb, f"{gb:g} GB a month of rejected connections")


def waf_logs(pr: Pricer, r: Resource) -> None:
    req, kb = pr.bp.assumptions["requests_per_month"], r.settings["kb_per_request"]
    gb = round(req * kb / 1e6, 4)
    _log_group(pr, r, "WAF logs", gb, f"{req:,} requests x {kb:g} KB a log record")


def container_insights(pr: Pricer, r: Resource) -> None:
    s, per = r.settings, r.settings["metrics_per"]
    metrics = (
        per["cluster"] + per["service"] * s["services"] + per["task_family"] * s["task_families"]
    )
    pr.add(
        r.key,
        "Container Insights metrics",
        "cloudwatch.metric_month",
        metrics,
        f"{per['cluster']} cluster + {per['service']} x {s['services']} service(s) + "
        f"{per['task_family']} x {s['task_families']} task family(ies)",
        "Container Insights metrics are billed as custom metrics",
    )
    gb = s["tasks"] * s["log_gb_per_task"]
    pr.add(
        r.key,
        "Container Insights performance log events",
        "logs.ingest_gb",
        gb,
        f"{s['tasks']} task(s) x {s['log_gb_per_task']:g} GB",
        "a task and a container event a minute per running task",
    )


def alarms(pr: Pricer, r: Resource) -> None:
    specs = r.settings["alarms"]
    if r.count:
        pr.add(
            r.key,
            "CloudWatch alarm metrics",
            "cloudwatch.alarm_month",
            r.count,
            f"{len(specs)} alarm(s) reading {r.count} metric(s)",
            "an alarm on a metric math expression is billed for each metric it reads; "
            "the account's first 10 alarm metrics are free (not subtracted)",
        )


def waf(pr: Pricer, r: Resource) -> None:
    req = pr.bp.assumptions["requests_per_month"]
    n = len(r.settings["rules"])
    pr.add(r.key, "WAF web ACL", "waf.acl_month", 1, "1 web ACL")
    pr.add(r.key, "WAF rules", "waf.rule_month", n, f"{n} rule(s)")
    pr.add(
        r.key,
        "WAF requests",
        "waf.request_million",
        req / 1e6,
        f"{req:,} requests / 1,000,000",
        f"{req:,} requests a month",
    )


def route53(pr: Pricer, r: Resource) -> None:
    if r.settings["create_zone"]:
        pr.add(
            r.key, "Route 53 hosted zone", "route53.zone_month", 1, f"1 zone ({r.settings['zone']})"
        )
    req = pr.bp.assumptions["requests_per_month"]
    pr.add(
        r.key,
        "Route 53 alias queries",
        "route53.alias_query_million",
        req / 1e6,
        f"at most {req:,} queries / 1,000,000",
        "alias records to AWS resources are free",
    )
    pr.add(r.key, "ACM certificate", "acm.certificate_month", 1, "1 public certificate")


def s3(pr: Pricer, r: Resource) -> None:
    if r.key == "s3_uploads":
        gb = pr.bp.assumptions["s3_uploads_gb"]
        item, why = "S3 uploads bucket", f"{gb:g} GB of files the app stores"
    else:
        gb = pr.bp.assumptions["s3_backup_gb"]
        item, why = "S3 backups bucket", f"{gb:g} GB of dumps and exports"
    pr.add(r.key, item, "s3.standard_gb_month", gb, f"{gb:g} GB", why)


def alb_logs(pr: Pricer, r: Resource) -> None:
    s = r.settings
    req, days = pr.bp.assumptions["requests_per_month"], s["retention_days"]
    gb = req * s["kb_per_request"] / 1e6
    pr.add(
        r.key,
        "ALB access log storage",
        "s3.standard_gb_month",
        gb * days / 30,
        f"{req:,} requests x {s['kb_per_request']:g} KB x {days} days retention / 30",
        "gzip-compressed log lines",
    )
    puts = s["nodes"] * s["files_per_hour"] * pr.h
    pr.add(
        r.key,
        "ALB access log deliveries (S3 PUT)",
        "s3.put_request_thousand",
        puts / 1000,
        f"{s['nodes']} node(s) x {s['files_per_hour']} files x {pr.h} h / 1,000",
    )


def ecr(pr: Pricer, r: Resource) -> None:
    gb = pr.bp.assumptions["ecr_gb"]
    pr.add(
        r.key,
        "ECR image storage",
        "ecr.gb_month",
        gb,
        f"{gb:g} GB",
        f"up to {r.settings['keep_images']} images kept, {gb:g} GB in all",
    )


def budget(pr: Pricer, r: Resource) -> None:
    pr.add(r.key, "AWS Budgets alert", "budgets.budget_month", 1, "1 budget")
