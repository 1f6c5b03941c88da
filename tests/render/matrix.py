"""A matrix of planned apps for the ledger tests: both tiers, with and without a database, a
cache, a domain (new zone or an existing one), queue workers, a scheduler process, a worker
selected by an environment variable, cron jobs (with commands, in-process with and without a
switch), an uploads bucket (and django-storages' bucket), Spot, 0/1/2 NAT gateways, both
CPU architectures, the five examples as `skylift scan` sees them, the Next.js one behind CloudFront, the one that sends
mail with SES for its domain, and compute = "lambda" (seed 001's POS app)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from skylift.plan import make_plan
from skylift.plan.report import Plan
from skylift.scan.model import AppProfile, Database, EnvVar, Evidence, Fact, Finding, Job

E = Evidence
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass
class EnvJob(Job):
    """A process role selected by an environment variable (APP_TYPE=worker): the field the
    scanner fills for such a worker."""

    env: dict[str, str] = field(default_factory=dict)


def _uploads() -> list[Finding]:
    return [
        Finding(
            "writes-local-disk",
            "writes uploaded files to local disk",
            "store them in S3",
            "change",
            [E("app/media.py", 12)],
        ),
        Finding(
            "host-volumes",
            "The app keeps files on the server: ./media",
            "copy them to S3",
            "info",
            [E("docker-compose.yml", 9, "- ./media:/app/media")],
        ),
    ]


def django_celery() -> AppProfile:
    """Production everything: Celery worker and beat, a switch-guarded in-process scheduler,
    PostgreSQL, Redis, uploads."""
    return AppProfile(
        root="/nonexistent/shop",
        name="shop",
        runtime=Fact({"language": "python", "version": "3.12"}, [E("runtime.txt", 1)]),
        framework=Fact("django", [E("requirements.txt", 1)]),
        port=Fact(8000, [E("Procfile", 1)]),
        start_command=Fact("gunicorn shop.wsgi", [E("Procfile", 1)]),
        current_host=Fact("heroku", [E("Procfile", 1)]),
        databases=[Database("postgresql", [E("shop/settings.py", 40)], driver="psycopg")],
        cache=Fact({"engine": "redis", "client": "redis-py"}, [E("shop/settings.py", 60)]),
        jobs=[
            Job("worker", "celery -A shop worker -l info", None, "worker", [E("Procfile", 2)]),
            Job("beat", "celery -A shop beat -l info", None, "worker", [E("Procfile", 3)]),
            Job("digest", "in-process (apscheduler)", "0 7 * * *", "cron", [E("shop/jobs.py", 9)]),
        ],
        env=[
            EnvVar("SECRET_KEY", "secret", [E("shop/settings.py", 3)]),
            EnvVar("SCHEDULER_ENABLED", "config", [E("shop/jobs.py", 4)], "true"),
        ],
        findings=_uploads(),
    )


def django_storages() -> AppProfile:
    """django-storages' S3 backend for media and static files: the uploads bucket, under the
    settings' own names, with no access keys."""
    settings = E("site/settings.py", 8, "'BACKEND': 'storages.backends.s3boto3.S3Boto3Storage'")
    return AppProfile(
        root="/nonexistent/gallery",
        name="gallery",
        runtime=Fact({"language": "python", "version": "3.12"}, [E(".python-version", 1)]),
        framework=Fact("django", [E("requirements.txt", 1)]),
        port=Fact(8000, [E("Procfile", 1)]),
        start_command=Fact("gunicorn site.wsgi", [E("Procfile", 1)]),
        release_command=Fact("python manage.py migrate", [E("manage.py")]),
        databases=[Database("postgresql", [E("site/settings.py", 3)], driver="psycopg")],
        services=[Fact("s3-static", [settings]), Fact("s3-storage", [settings])],
        env=[
            EnvVar("AWS_STORAGE_BUCKET_NAME", "config", [E("site/settings.py", 10)], "media"),
            EnvVar("AWS_S3_REGION_NAME", "config", [E("site/settings.py", 11)], "us-east-1"),
            EnvVar("AWS_ACCESS_KEY_ID", "secret", [E("site/settings.py", 12)]),
            EnvVar("AWS_SECRET_ACCESS_KEY", "secret", [E("site/settings.py", 13)]),
        ],
    )


def node_queue() -> AppProfile:
    """No database, no cache: a web role and a worker role of one image (APP_TYPE)."""
    return AppProfile(
        root="/nonexistent/queue",
        name="queue",
        runtime=Fact({"language": "node", "version": "20"}, [E("package.json", 1)]),
        framework=Fact("express", [E("package.json", 9)]),
        port=Fact(3000, [E("src/index.js", 4)]),
        start_command=Fact("node src/index.js", [E("package.json", 6)]),
        jobs=[
            EnvJob(
                "worker",
                "node src/index.js",
                None,
                "worker",
                [E("src/index.js", 20)],
                env={"APP_TYPE": "worker"},
            )
        ],
        env=[EnvVar("APP_TYPE", "config", [E("src/index.js", 19)], "web")],
    )


def go_cron() -> AppProfile:
    """Cron jobs with commands of their own (EventBridge Scheduler), and no cron switch."""
    return AppProfile(
        root="/nonexistent/ledger",
        name="ledger",
        runtime=Fact({"language": "go", "version": "1.22"}, [E("go.mod", 3)]),
        framework=Fact("gin", [E("go.mod", 6)]),
        port=Fact(8080, [E("main.go", 30)]),
        databases=[Database("postgresql", [E("db.go", 10)], driver="pgx")],
        jobs=[
            Job("nightly", "./ledger close-day", "0 1 * * *", "cron", [E("Makefile", 4)]),
            Job("hourly", "./ledger sync", "0 * * * *", "cron", [E("Makefile", 8)]),
            Job("report", "in-process (robfig/cron)", "0 6 * * 1", "cron", [E("jobs.go", 3)]),
        ],
        env=[EnvVar("API_KEY", "secret", [E("main.go", 12)])],
    )


def _plan(profile: AppProfile, **values: object) -> Plan:
    return make_plan(profile, {}, {k.replace("__", "."): v for k, v in values.items()})


def variants() -> dict[str, Plan]:
    """name -> Plan (its Blueprint renders; its Estimate prices)."""
    out = {
        "django-production": _plan(
            django_celery(),
            app__tier="production",
            app__domain="shop.example.com",
            sizes__spot=True,
            sizes__arch="x86_64",
        ),
        "queue-starter": _plan(
            node_queue(),
            app__domain="queue.example.com",
            app__route53_zone_id="Z0123456789ABCDEFGHIJ",
            sizes__spot=True,
            sizes__nat_gateways=1,
        ),
        "ledger-production": _plan(go_cron(), app__tier="production", sizes__nat_gateways=1),
        "ledger-starter-public": _plan(go_cron(), sizes__max_count=3),
        "shop-starter": _plan(django_celery(), app__domain="shop.example.com"),
        "gallery-storages": _plan(django_storages()),
    }
    from skylift.scan import scan

    for name in ("pantrypal", "pos-api", "gengar", "github-api", "tracker"):
        if (EXAMPLES / name).is_dir():
            out[name] = make_plan(scan(EXAMPLES / name))
    if (EXAMPLES / "gengar").is_dir():
        out["gengar-production"] = make_plan(scan(EXAMPLES / "gengar"), {"app.tier": "production"})
    if (EXAMPLES / "tracker").is_dir():  # seed 004: CloudFront + WAF at the edge
        out["tracker-edge"] = make_plan(
            scan(EXAMPLES / "tracker"),
            {"app.tier": "production", "app.domain": "tracker.example.com"},
        )
    if (EXAMPLES / "github-api").is_dir():  # seed 003: SES for a domain, SMTP credentials
        out["github-api-ses"] = make_plan(
            scan(EXAMPLES / "github-api"),
            {"app.tier": "production", "app.domain": "api.example.com"},
        )
    out.update(lambda_variants())
    return out


# compute = "lambda": seed 001's choices for its Go POS app (a NAT instance, RDS Proxy, the
# WebSocket API its gorilla/websocket use calls for, a $100 budget), its production tier with
# a domain, IAM auth and a warm environment, and an app with nothing behind it (no NAT at all).
# Staging and prod: the pipeline deploys staging, then prod after an approval.
SEED_001 = {
    "app.compute": "lambda",
    "app.staging": True,
    "sizes.rds_proxy": True,
    "sizes.budget_monthly_usd": 100,
}


def lambda_variants() -> dict[str, Plan]:
    from skylift.scan import scan

    out = {"queue-lambda": _plan(node_queue(), app__compute="lambda")}
    if (EXAMPLES / "pos-api").is_dir():
        pos = scan(EXAMPLES / "pos-api")
        out["pos-api-lambda"] = make_plan(pos, {}, SEED_001)
        out["pos-api-lambda-production"] = make_plan(
            pos,
            {},
            {
                **SEED_001,
                "app.tier": "production",
                "app.domain": "pos.example.com",
                "sizes.db_proxy_iam_auth": True,
                "sizes.lambda_provisioned_concurrency": 1,
            },
        )
        # `--nat none`: interface endpoints for what the function reads its secrets from
        out["pos-api-lambda-no-nat"] = make_plan(
            pos, {}, {**SEED_001, "sizes.nat_gateways": 0, "sizes.nat_instance": False}
        )
    return out
