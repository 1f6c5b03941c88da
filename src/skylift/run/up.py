"""`skylift up`: provision -> secrets -> migrate data -> verify -> summary, on a target.

The same steps run for `--target local` (moto's server + an embedded PostgreSQL standing in
for RDS) and `--target aws` (the user's account); only endpoints and credentials differ
(see _targets.py). Every step is idempotent: a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skylift import workdir
from skylift.cloud import secrets as secrets_mod
from skylift.cloud import ses_smtp
from skylift.cloud.terraform import ApplyResult, Terraform
from skylift.errors import InfraError, UsageError
from skylift.plan.blueprint import Blueprint
from skylift.run import _database, _summary
from skylift.run._targets import UNEMULATED, Target, open_target, state_dir
from skylift.run.journal import Journal

Log = Callable[[str], None]


@dataclass
class UpResult:
    target: str
    environment: str
    name: str  # the app's name (`app` is the app as it ran in the rehearsal)
    resources: int
    added: int
    changed: int
    destroyed: int
    endpoints: dict[str, Any]
    secrets_stored: list[str]
    secrets_missing: list[str]
    switched_off: dict[str, str]
    database: dict[str, Any] | None
    monthly_cost: float | None
    next_steps: list[str] = field(default_factory=list)
    # local only: the app as it ran (url of the load balancer stand-in, health, services)
    app: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_plan(root: Path, *, reports: bool = True) -> Any:
    """The Plan (Blueprint + cost) of the app, as `skylift plan` derives it. With `reports`,
    the plan document is written first if there is none, so `up`'s summary has a place to go."""
    from skylift.plan import plan

    return plan(root, write_reports=reports and not (root / "migration.html").exists()).plan


def up(
    root: Path,
    *,
    target: str = "local",
    environment: str = "prod",
    log: Log | None = None,
    ask: Callable[[str], str | None] | None = None,
    source_url: str | None = None,
    run_app: bool = True,
    run_schedules: bool = False,
) -> UpResult:
    """Rehearse (local) or perform (aws) the migration of the app at `root`. On the local
    target the app then runs (`run_app`): see skylift.rehearse; `run_schedules` runs its
    schedules again even when nothing changed."""
    say = log or (lambda _m: None)
    root = root.resolve()
    plan = load_plan(root)
    bp: Blueprint = plan.blueprint
    _ensure_generated(root, bp, say)
    check_environment(root, environment)
    workdir.prepare(root / ".skylift")  # private, kept out of git: it holds a copy of the data
    run_app = run_app and target == "local"
    if run_app:
        from skylift.rehearse import preflight

        preflight(bp)  # before minutes of provisioning, not after
    journal = Journal(root / ".skylift" / "journal.jsonl")
    _one_local_environment(root, target, environment)
    cut = _after_a_cut_apply(root, target, journal, say)
    tgt = open_target(root, target, bp.app, environment, bp.region)
    journal.record("up", "started", target=target, environment=environment)

    tf = _terraform(root, tgt, bp, environment, say)
    var_files = [f"envs/{environment}.tfvars"]
    if cut and target == "aws":
        _adopt(tf, tgt, bp, environment, var_files, say)
    say(f"terraform apply ({target}, {environment})")
    journal.record("provision", "started", target=target)
    applied = _apply(tf, var_files, tgt, cut, say)
    journal.record(
        "provision",
        "done",
        target=target,
        added=applied.added,
        changed=applied.changed,
        resources=applied.resources,
    )

    stored = _secrets(root, tgt, bp, applied.outputs, ask, say)
    journal.record("secrets", "done", stored=stored.names, missing=stored.missing)

    database = _database.migrate(root, tgt, bp, applied.outputs, source_url, say)
    journal.record(
        "database",
        "done" if database else "skipped",
        **({"verified": database["verified"]} if database else {}),
    )

    app = None
    if run_app:
        app = _rehearse(root, tgt, plan, environment, applied.outputs, run_schedules, journal, say)
    result = _result(plan, tgt, environment, applied, stored, database)
    result.app = app
    result.next_steps = _summary.next_steps(result, bp)
    _summary.append_to_report(root, result)
    journal.record("up", "done", resources=result.resources)
    return result


def _rehearse(
    root: Path,
    tgt: Target,
    plan: Any,
    environment: str,
    outputs: dict[str, Any],
    run_schedules: bool,
    journal: Journal,
    say: Log,
) -> dict[str, Any]:
    from skylift.errors import AppDidNotRun
    from skylift.rehearse import rehearse
    from skylift.rehearse.diagnose import open_findings

    findings = open_findings(getattr(plan, "profile", None))
    try:
        app = rehearse(root, tgt, plan.blueprint, environment, outputs, findings=findings,
                       run_schedules=run_schedules, log=say)  # fmt: skip
    except AppDidNotRun as exc:
        journal.record("app", "failed", what=exc.what)
        raise
    journal.record("app", "healthy" if app["healthy"] else "unhealthy", url=app["url"],
                   services=[s["name"] for s in app["services"]])  # fmt: skip
    return app


def _result(
    plan: Any,
    tgt: Target,
    environment: str,
    applied: ApplyResult,
    stored: secrets_mod.SecretsReport,
    database: dict[str, Any] | None,
) -> UpResult:
    return UpResult(
        target=tgt.name,
        environment=environment,
        name=plan.blueprint.app,
        resources=applied.resources,
        added=applied.added,
        changed=applied.changed,
        destroyed=applied.destroyed,
        endpoints=_summary.endpoints(applied.outputs, tgt),
        secrets_stored=stored.names,
        secrets_missing=stored.missing,
        switched_off=_switched_off(tgt, plan.blueprint),
        database=database,
        monthly_cost=getattr(plan.estimate, "total", None),
    )


def _switched_off(tgt: Target, bp: Blueprint) -> dict[str, str]:
    if tgt.name != "local":
        return {}
    present = {
        "aws_elasticache_replication_group": bool(bp.cache),
        "performance_insights": bool(bp.database),
        "aws_cloudfront_distribution": bp.has("cloudfront"),
        "aws_sesv2_email_identity": bp.has("ses"),
        "aws_lambda_provisioned_concurrency_config": bp.has("lambda_function"),
        "aws_sfn_state_machine": bp.has("lambda_function") and bool(bp.database),
        "lambda_app": bp.has("lambda_function"),
    }
    return {k: v for k, v in UNEMULATED.items() if present.get(k, True)}


def _ensure_generated(root: Path, bp: Blueprint, say: Log) -> None:
    if (root / "infra" / "versions.tf").exists():
        return
    from skylift.render import generate

    say("no infra/ yet: generating it")
    generate(root, bp)


def _apply(tf: Terraform, var_files: list[str], tgt: Target, cut: bool, say: Log) -> ApplyResult:
    try:
        return tf.apply(var_files, tgt.variables, log=lambda line: _progress(say, line))
    except InfraError as exc:
        # what was adopted can change under the provider while it applies (a modified RDS
        # instance's secret): Terraform's own advice is to apply again
        if not (cut and "inconsistent final plan" in exc.why):
            raise
    say("terraform apply again: values of what was adopted changed while it applied")
    return tf.apply(var_files, tgt.variables, log=lambda line: _progress(say, line))


def _after_a_cut_apply(root: Path, target: str, journal: Journal, say: Log) -> bool:
    """Whether the last `terraform apply` was cut off before it finished (its resources may be
    outside the state). Terraform runs detached from skylift (cloud/tf_detached): a killed
    `up` leaves it to finish, and this waits for it; only a Terraform killed itself cuts. On
    the local target nothing in the embedded AWS is the user's: it then starts afresh (the
    migrated data stays); on aws, `_adopt` imports what was made."""
    from skylift.cloud import tf_detached
    from skylift.run._targets import state_dir

    last = journal.last("provision", target=target)
    if last is None or last["status"] != "started":
        return False
    if tf_detached.previous(state_dir(root, target) / "tf", say) == "finished":
        say(
            "the last run stopped during terraform apply; Terraform itself finished and saved its state"
        )
        return False
    if target == "local":
        from skylift.cloud import moto_server

        if moto_server.stop(state_dir(root, target)):
            say(
                "the last terraform apply was cut off before it finished: the embedded AWS held "
                "resources its state did not know, so it starts afresh and provisions again"
            )
    return True


def _adopt(tf: Terraform, tgt: Target, bp: Blueprint, environment: str, var_files: list[str],
           say: Log) -> None:  # fmt: skip
    from skylift.run import adopt

    session = tgt.session(bp.region)
    adopt.recover(tf, lambda service: tgt.client(session, service),
                  {"App": bp.app, "Environment": environment}, var_files, tgt.variables, say)  # fmt: skip


def _one_local_environment(root: Path, target: str, environment: str) -> None:
    """The local rehearsal holds one environment at a time: one embedded AWS and one
    Terraform state, where applying a second environment would replace the first's resources
    (on aws each environment has its own state key)."""
    if target != "local":
        return
    marker = state_dir(root, target) / "environment"
    held = marker.read_text().strip() if marker.exists() else environment
    if held != environment:
        raise UsageError(
            f"the local rehearsal holds the {held!r} environment, not {environment!r}",
            "the local target keeps one embedded AWS and one Terraform state: applying "
            f"{environment!r} there would replace {held!r}'s resources",
            f"run `skylift down --target local` first, then `skylift up --target local "
            f"--env {environment}`",
        )
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(environment + "\n")


def check_environment(root: Path, environment: str) -> None:
    """Refuse an environment infra/ has no variables for, before anything starts."""
    if (root / "infra" / "envs" / f"{environment}.tfvars").exists():
        return
    known = sorted(p.stem for p in (root / "infra" / "envs").glob("*.tfvars"))
    raise UsageError(
        f"there is no environment {environment!r} in {root / 'infra' / 'envs'}",
        f"the environments generated are: {', '.join(known) or 'none'}",
        "use --env with one of them, or add it to skylift.toml and run skylift generate",
    )


def _terraform(root: Path, tgt: Target, bp: Blueprint, environment: str, say: Log) -> Terraform:
    tf = Terraform(root / "infra", tgt.state_dir / "tf", tgt.env)
    if tgt.fresh:  # a new embedded AWS holds nothing: forget state describing the old one
        for old in tf.workdir.glob("terraform.tfstate*"):
            old.unlink()
    tf.sync(tgt.override)
    if tgt.name == "aws":
        _ensure_state_bucket(tgt, bp, say)
    say("terraform init")
    tf.init(tgt.backend_config)
    return tf


def _ensure_state_bucket(tgt: Target, bp: Blueprint, say: Log) -> None:
    """The remote-state bucket (versioned, encrypted, private), created once per app."""
    session = tgt.session(bp.region)
    s3 = tgt.client(session, "s3")
    bucket = f"{bp.app}-terraform-state"
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except Exception:  # botocore ClientError (404) or NoSuchBucket: create it below
        pass
    say(f"creating the Terraform state bucket {bucket}")
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if bp.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": bp.region}
    try:
        s3.create_bucket(**kwargs)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    except Exception as exc:
        raise InfraError(
            f"cannot create the Terraform state bucket {bucket}",
            str(exc)[:300],
            "check the credentials, or create the bucket and edit infra/backend.hcl",
        ) from None


def _secrets(
    root: Path,
    tgt: Target,
    bp: Blueprint,
    outputs: dict[str, Any],
    ask: Callable[[str], str | None] | None,
    say: Log,
) -> secrets_mod.SecretsReport:
    from skylift.render._context import ssm_secret_names

    session = tgt.session(bp.region)
    prefix = str(outputs.get("ssm_prefix") or f"/{bp.app}")
    names = ssm_secret_names(bp)
    say(f"storing {len(names)} secret(s) in SSM under {prefix} (names only: values stay unlogged)")
    report = secrets_mod.store(_EndpointSession(tgt, session), prefix, names, root / ".env", ask)
    if bp.cache:
        secrets_mod.ensure_redis_token(
            _EndpointSession(tgt, session), prefix, outputs.get("cache_replication_group"), report
        )
    # SES SMTP credentials: an access key made through IAM after the apply, never in the state
    ses_smtp.ensure_for(_EndpointSession(tgt, session), prefix, bp, outputs, report)
    return report


class _EndpointSession:
    """A boto3 session whose clients talk to the target's endpoint."""

    def __init__(self, tgt: Target, session: Any) -> None:
        self.tgt, self.session = tgt, session

    def client(self, service: str) -> Any:
        return self.tgt.client(self.session, service)


def _progress(say: Log, line: str) -> None:
    if (
        ": Creation complete" in line
        or ": Modifications complete" in line
        or line.startswith("Apply complete")
    ):
        say(line)
