"""The summary of `up`: endpoints, next steps, and a section appended to migration.html."""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.plan.blueprint import Blueprint
from skylift.run._targets import Target

if TYPE_CHECKING:
    from skylift.run.up import UpResult

SECTION_START = "<!-- skylift up: start -->"
SECTION_END = "<!-- skylift up: end -->"
ENDPOINT_KEYS = (
    "app_url",
    "load_balancer_dns",
    "ecr_repository_url",
    "ecs_cluster",
    "api_endpoint",  # compute = "lambda": the HTTP API, the function, the WebSocket API
    "function_name",
    "ws_url",
    "db_proxy_endpoint",
    "db_address",
    "cache_address",
    "deploy_role_arn",
    "backups_bucket",
)


def endpoints(outputs: dict[str, Any], tgt: Target) -> dict[str, Any]:
    out = {k: outputs[k] for k in ENDPOINT_KEYS if outputs.get(k) is not None}
    if tgt.endpoint and tgt.name == "local":
        out["embedded_aws"] = tgt.endpoint
    return out


def next_steps(result: UpResult, bp: Blueprint) -> list[str]:
    steps: list[str] = []
    if result.secrets_missing:
        steps.append(
            f"add the missing secrets to .env and rerun: {', '.join(result.secrets_missing)}"
        )
    db = result.database
    if db and db.get("status") == "skipped":
        steps.append(str(db["reason"]))
    elif db and not db.get("verified"):
        steps.append("verification found differences: run `skylift db verify` and read the report")
    if result.app and result.app.get("url"):
        steps.append(f"try the app at {result.app['url']}: it runs until `skylift down`")
    if result.target == "local":
        steps += [
            "read infra/ and the deploy workflow, commit them",
            "`skylift up --target aws` with your AWS credentials when the rehearsal looks right",
            "`skylift down` to remove this rehearsal",
        ]
    else:
        env = result.environment
        steps += [
            f"in GitHub, Settings -> Environments -> {env}: set the variables "
            "AWS_DEPLOY_ROLE_ARN and APP_URL to the deploy_role_arn and app_url above"
            + ("; add required reviewers (prod deploys wait for them)" if env == "prod" else ""),
            "push to main: .github/workflows/pipeline.yml runs the app's checks, then deploys "
            + " then ".join(bp.environments)
            + " (build, migrations, rollout, smoke test)",
        ]
        if not bp.domain:
            steps.append("set app.domain in skylift.toml for HTTPS, then generate and up again")
        ses = bp.resource("ses")
        if ses:  # plan/_email.py
            steps.append(
                "SES starts in the sandbox: once the domain is verified, request production "
                f"access: `{ses.settings['sandbox_exit']}`"
            )
    return steps


def append_to_report(root: Path, result: UpResult) -> Path | None:
    """Add (or replace) the `up` section of migration.html, when `skylift plan` wrote one."""
    path = root / "migration.html"
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    section = _section(result)
    if SECTION_START in text and SECTION_END in text:
        head, rest = text.split(SECTION_START, 1)
        text = head + section + rest.split(SECTION_END, 1)[1]
    elif "</body>" in text:
        text = text.replace("</body>", section + "\n</body>", 1)
    else:
        text += section
    path.write_text(text, encoding="utf-8")
    return path


def _app_section(app: dict[str, Any] | None) -> str:
    """The app as it ran in the rehearsal: health, the load balancer stand-in, each service."""
    if not app:
        return ""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(s['kind'])}</td><td>{e(s['name'])}</td><td>{e(str(s['state']))}</td>"
        f"<td>{'' if s['exit_code'] is None else s['exit_code']}</td></tr>"
        for s in app["services"]
    )
    state = "healthy" if app["healthy"] else "not healthy"
    return (
        f"<p>The app ran ({e(str(app['engine']))}): {state} behind the load balancer stand-in "
        f"<code>{e(str(app['url']))}</code>, health check <code>{e(str(app['health_path']))}</code>."
        f"</p>\n<table><tr><th>kind</th><th>service</th><th>state</th><th>exit</th></tr>{rows}</table>\n"
    )


def _section(r: UpResult) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><th>{e(k)}</th><td><code>{e(str(v))}</code></td></tr>" for k, v in r.endpoints.items()
    )
    db = r.database or {}
    data = (
        "no database"
        if not r.database
        else f"{db.get('tables', 0)} tables, {db.get('rows', 0)} rows, "
        f"{'verified' if db.get('verified') else e(str(db.get('reason') or db.get('status')))}"
    )
    off = "".join(f"<li>{e(v)}</li>" for v in r.switched_off.values())
    steps = "".join(f"<li>{e(s)}</li>" for s in r.next_steps)
    cost = f"${r.monthly_cost:,.2f}/month" if r.monthly_cost is not None else "unknown"
    return (
        f'{SECTION_START}\n<section id="skylift-up"><h2>Rehearsal: skylift up --target {e(r.target)}'
        f" ({e(r.environment)})</h2>\n<p>{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{r.resources} resources ({r.added} added, {r.changed} changed); secrets stored: "
        f"{e(', '.join(r.secrets_stored) or 'none')}; data: {data}; monthly cost: {cost}.</p>\n"
        f"<table>{rows}</table>\n"
        + (
            f"<p>Switched off (the embedded AWS cannot emulate them):</p><ul>{off}</ul>\n"
            if off
            else ""
        )
        + _app_section(r.app)
        + f"<p>Next steps:</p><ol>{steps}</ol></section>\n{SECTION_END}"
    )
