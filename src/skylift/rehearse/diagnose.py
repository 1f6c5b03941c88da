"""Why the app did not run, said so a user can act: the last 50 lines of its log, the health
checks the load balancer stand-in saw, the generated setting most likely at fault (from what
the log and the checks show), and the plan's open code changes (file:line)."""

from __future__ import annotations

import re
from typing import Any

from skylift.errors import AppDidNotRun
from skylift.rehearse.taskdefs import Container

# (what the log shows, the setting most likely at fault); first match wins
CLUES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"read-only file system|EROFS", re.I),
        "readonlyRootFilesystem in the task definition (infra/ecs.tf): the app writes to its "
        "image's disk; write to /tmp or the uploads bucket",
    ),
    (
        re.compile(r"permission denied|EACCES|operation not permitted", re.I),
        "the image's user (USER in the Dockerfile): the non-root user cannot read or write a "
        "file it needs; chown it in the Dockerfile",
    ),
    (
        re.compile(r"invalid interpolation syntax", re.I),
        "the database URL's percent-encoded password (`%XX`) goes through a ConfigParser "
        "unescaped (alembic's `config.set_main_option` in the migrations' env.py): escape `%` "
        "as `%%` there; an RDS password has punctuation, so production's URL has `%XX` too",
    ),
    (  # TLS spoken, the certificate checked against a trust store without the server's CA
        re.compile(
            r"unable to verify the first certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|"
            r"CERTIFICATE_VERIFY_FAILED|SELF_SIGNED_CERT_IN_CHAIN|self.signed certificate in "
            r"certificate chain|unable to get local issuer certificate",
            re.I,
        ),
        "the app's database client checks the server's certificate, and RDS's CA is in no "
        "image's trust store (nor is the rehearsal's): turn the check off "
        "(node-postgres: `ssl: { rejectUnauthorized: false }`; libpq: sslmode=require) or give "
        "the client the RDS CA bundle; the plan's finding db-tls-verify-node names the line",
    ),
    (  # an error about TLS, not the `sslmode=require` of a URL the log echoes
        re.compile(
            r"\bssl\b|SSLError|\btls\b|certificate|wrong version number|"
            r"self.signed",
            re.I,
        ),
        "TLS to the database or the cache: the generated URLs ask for it (sslmode=require, "
        "rediss:// in SKYLIFT_DB_URLS / SKYLIFT_CACHE_URLS in infra/ecs.tf), as RDS and "
        "ElastiCache do; the app's client must speak TLS",
    ),
    (  # plain text sent to a TLS-only port: the server drops it, no TLS word in the log
        re.compile(r"ECONNRESET|Connection reset by peer|socket hang up", re.I),
        "TLS to the cache or the database: the server closed the connection (ECONNRESET), as a "
        "TLS-only ElastiCache or RDS does to a client speaking plain text; the URLs ask for TLS "
        "(rediss://, sslmode=require in infra/ecs.tf) but the app's client does not speak it: "
        "bull drops rediss:// (finding bull-url-no-tls), ioredis/node-redis built from a host "
        "and port need `tls: {}` (finding cache-tls)",
    ),
    (
        re.compile(r"NOAUTH|WRONGPASS|invalid password|authentication failed|password", re.I),
        "the credentials in the task definition's secrets (SKYLIFT_DB_PASSWORD, "
        "SKYLIFT_CACHE_PASSWORD in infra/ecs.tf): the app does not use the ones ECS injects",
    ),
    (
        re.compile(
            r"\bECONNREFUSED|connection refused|could not connect|getaddrinfo|\bENOTFOUND\b", re.I
        ),
        "the database or cache address the app reads (env_wiring in `skylift plan --json`): it "
        "connects somewhere else than the endpoints the task definition gives it",
    ),
    (
        re.compile(r"sqlite|\.db\b|\.sqlite3?\b", re.I),
        "the app still opens its SQLite file: the plan's code change to PostgreSQL is not done",
    ),
    (
        re.compile(r"KeyError: '(\w+)'|(\w+) is (?:not set|required|undefined|missing)", re.I),
        "the task definition's environment (locals.environment in infra/ecs.tf) lacks a "
        "variable the app requires",
    ),
    (
        re.compile(
            r"not found|no such file|cannot find module|ModuleNotFoundError|exec format", re.I
        ),
        "the start command (command / entryPoint in infra/ecs.tf, CMD in the Dockerfile): it "
        "names a file or module the image does not have",
    ),
]


def likely_fault(c: Container, log: list[str], checks: list[dict[str, Any]],
                 exit_code: int | None) -> str:  # fmt: skip
    if exit_code in (137, -9):
        return (f"the task's memory ({c.memory_mib} MiB, var.task_memory in infra/envs/*.tfvars):"
                " the app was killed for using more")  # fmt: skip
    text = "\n".join(log)
    if exit_code is not None or not checks:
        # the exception the app died of first: a banner that echoes a URL or a retried
        # connection earlier in the log is not why it stopped
        raised = _last_exception(log) or ""
        for pattern, fault in [*((p, f) for p, f in CLUES if p.search(raised)), *CLUES]:
            if pattern.search(text):
                return _as_release(fault) if c.kind == "release" else fault
        if c.kind == "release":
            return _as_release("")
        return (f"the start command ({' '.join(c.command or []) or 'the image CMD'}, in "
                "infra/ecs.tf / the Dockerfile): the app exited; its log says why")  # fmt: skip
    statuses = [ch["status"] for ch in checks if "status" in ch]
    path = c.health.path if c.health else "/"
    if not statuses and "timeout" in str(checks[-1].get("error", "")).lower():
        return (f"the health check's route: {path} on port {c.port} takes the connection and "
                "never answers within the check's timeout (timeout in infra/alb.tf): its handler "
                "sends no response or waits on something; make it answer, or point "
                "var.health_check_path (infra/envs/*.tfvars) at a route that does")  # fmt: skip
    if not statuses:
        return (f"the port: nothing answers on {c.port} at the task's address (PORT and "
                "containerPort in infra/ecs.tf, var.container_port): the app must listen on $PORT "
                "on 0.0.0.0, not on localhost, for the load balancer to reach it")  # fmt: skip
    matcher = c.health.matcher if c.health else "200"
    error = _last_exception(log) if statuses[-1] >= 500 else None
    if error:
        return (f"the app: {path} answers {statuses[-1]} because the request raises `{error}` "
                "(the log's last error): the check is right, the app fails behind it; its "
                "traceback names the setting or code")  # fmt: skip
    return (f"the health check: {path} answers {statuses[-1]}, the target group wants {matcher}"
            " (var.health_check_path in infra/envs/*.tfvars, matcher in infra/alb.tf)")  # fmt: skip


# the last line of a traceback (`ValueError: Required parameter name not set`) or a Node error
_EXCEPTION = re.compile(r"^\s*(?:[\w.]+\.)?\w*(?:Error|Exception)(?::\s.*)?$")


def _last_exception(log: list[str]) -> str | None:
    hits = [ln.strip() for ln in log if _EXCEPTION.match(ln)]
    return hits[-1][:200] if hits else None


def _as_release(fault: str) -> str:
    """The release step is the deploy workflow's RunTask of the scan's release command, run in
    the app's image: a command that image cannot run is the release command's fault."""
    if fault and not fault.startswith("the start command"):
        return fault
    return ("the release command (the deploy workflow's one-off task, .github/workflows/deploy.yml; "
            "`skylift scan` shows where it was found): it names a file or tool the image does not "
            "hold, or fails on its own; its log says why")  # fmt: skip


def open_findings(profile: Any) -> list[str]:
    """The plan's code changes still to make, each with where (file:line)."""
    out = []
    for f in getattr(profile, "findings", None) or []:
        if getattr(f, "severity", "info") not in ("blocker", "change"):
            continue
        where = ", ".join(str(e) for e in (f.evidence or [])[:3])
        out.append(f"{f.title}" + (f" ({where})" if where else ""))
    return out


# the same faults in a function's words (compute = lambda: infra/lambda.tf, the web adapter)
FUNCTION_WORDS = [
    ("locals.environment in infra/ecs.tf", "local.function_environment in infra/lambda.tf"),
    ("matcher in infra/alb.tf", "AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS in infra/lambda.tf"),
    ("timeout in infra/alb.tf", "the web adapter's readiness check"),
    ("containerPort in infra/ecs.tf", "AWS_LWA_PORT in infra/lambda.tf"),
    ("var.task_memory", "var.lambda_memory_mb"),
    ("the target group wants", "the web adapter wants"),
    ("the task definition's secrets", "the function's SKYLIFT_SECRETS"),
    ("the task definition", "the function"),
    ("infra/ecs.tf", "infra/lambda.tf"),
    ("the task's", "the function's"),
    ("the load balancer", "the web adapter"),
    ("ECS injects", "skylift-env reads"),
]


def as_function(fault: str) -> str:
    for ecs, function in FUNCTION_WORDS:
        fault = fault.replace(ecs, function)
    return fault


def failure(what: str, c: Container, log: list[str], checks: list[dict[str, Any]],
            exit_code: int | None, findings: list[str], log_path: str) -> AppDidNotRun:  # fmt: skip
    why = [f"last {len(log)} lines of {log_path}:", *[f"  | {line}" for line in log]]
    if checks:
        seen = ", ".join(str(ch.get("status") or ch.get("error")) for ch in checks[-10:])
        why.append(f"health checks ({c.health.path if c.health else '/'}): {seen}")
    fault = likely_fault(c, log, checks, exit_code)
    fix = [f"most likely at fault: {as_function(fault) if c.extra.get('lambda') else fault}"]
    if findings:
        fix.append("open code changes from the plan: " + "; ".join(findings[:8]))
    fix.append("fix, then rerun `skylift up` (the infrastructure and data steps are reused)")
    return AppDidNotRun(what, "\n".join(why), "\n  ".join(fix))
