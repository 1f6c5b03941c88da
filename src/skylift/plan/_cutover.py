"""The cutover and rollback phases of the plan document: the move this app gets from
`skylift cutover` (docs/cutover.md) — its DNS switch (Route 53 weighted steps, or a single
switch where the domain's DNS is elsewhere), the alarms that gate each step, and the forwarder
its old host gets while both stacks take traffic."""

from __future__ import annotations

from typing import Any

from skylift.cutover.alarms import names as alarm_names
from skylift.cutover.forward import decide
from skylift.plan.blueprint import Blueprint
from skylift.scan.model import AppProfile

AWS = "--target aws"
_INIT = "terraform -chdir=infra init -backend-config=backend.hcl"


def _nginx_site(p: AppProfile) -> str | None:
    host = p.current_host
    for e in host.evidence if host else []:
        if e.file.endswith(".conf") or e.file.split("/")[0] == "nginx":
            return e.file
    return None


def forwarder(p: AppProfile, bp: Blueprint) -> tuple[str, str]:
    return decide(str((bp.current or {}).get("host") or "unknown"), _nginx_site(p))


def front(bp: Blueprint) -> tuple[str, str]:
    """(the front's kind, what the domain is switched to) for this design (cutover/front.py)."""
    if bp.compute == "lambda":
        return "apigw", (
            "the API Gateway custom domain's regional target (an alias to its d-….execute-api "
            "name and zone: a Lambda app has no load balancer)"
        )
    if bp.has("cloudfront"):
        return "cloudfront", (
            "the CloudFront distribution (an alias to its *.cloudfront.net name in zone "
            "Z2FDTNDATAQYW2; the load balancer behind it takes only CloudFront's addresses)"
        )
    return "alb", "the load balancer (an alias)"


def _dns(p: AppProfile, bp: Blueprint) -> tuple[list[str], list[str]]:
    """The DNS part: sentences and commands."""
    dns = bp.resource("route53")
    if not bp.domain and p.domain:
        where = p.domain.evidence[0].file if p.domain.evidence else "the scan"
        return [f"The old host answers on {p.domain.value} ({where}), but app.domain is not "
                f'set in skylift.toml: set app.domain = "{p.domain.value}" (and '
                "app.route53_zone_id when its zone is in Route 53), `skylift plan .` and "
                "`skylift generate .`, so the cutover can switch that name; until then there is "
                "no name to switch."], []  # fmt: skip
    if not bp.domain:
        return ["The app has no domain (app.domain in skylift.toml): there is no name to "
                "switch; users reach the load balancer's name (output load_balancer_dns)."], []  # fmt: skip
    if dns is not None and dns.settings.get("create_zone"):
        return [
            f"Terraform created a Route 53 zone for {bp.domain} that points it at the load "
            "balancer: delegating the domain to that zone's name servers (output name_servers) "
            "is the switch, one step, made where the domain's DNS is today once `skylift "
            "cutover` has moved the database (it stops there and says so; lower the NS TTL one "
            "old TTL before). `--check-dns` resolves the name and says where it points."
        ], [_INIT, "terraform -chdir=infra output name_servers", f"skylift cutover {AWS} --check-dns"]  # fmt: skip
    if dns is not None and dns.settings.get("zone_id"):
        return [
            f"{bp.domain} is in Route 53 (zone {dns.settings['zone_id']}): one old TTL before, "
            "`skylift cutover --prepare` lowers the record's TTL to 60 s and records when; the "
            "cutover waits until the old TTL has run out since. The record is then replaced by "
            f"two weighted records, the old host and {front(bp)[1]}, and the "
            "traffic moves 10% → 50% → 100%, each step held 5 minutes (--soak)."
        ], [f"skylift cutover {AWS} --prepare"]  # fmt: skip
    return [
        f"{bp.domain}'s DNS is not in a Route 53 zone of this account, so the switch is one "
        "step you make where it is (a registrar, Cloudflare): set its TTL to 60 s one old TTL "
        "before; `skylift cutover` prints the exact record (a CNAME to the load balancer, or "
        "ALIAS/flattening at the apex) when the database has moved, and `--check-dns` resolves "
        "the name and says whether it points at AWS yet."
    ], [f"skylift cutover {AWS} --check-dns"]


def _through(bp: Blueprint) -> list[str]:
    """What a design with CloudFront or API Gateway in front gets besides (none for the load
    balancer alone: its text is the steps above)."""
    kind, what = front(bp)
    if kind == "alb":
        return []
    return [f"The domain is switched to {what}; the app's health path is fetched through it, "
            "as the domain, before the database moves and before each traffic step, and the "
            "old host's forwarder sends its requests there too."]  # fmt: skip


def cutover_phase(p: AppProfile, bp: Blueprint) -> dict[str, Any]:
    alarms = bp.resource("alarms")
    specs = alarms.settings["alarms"] if alarms else []
    kind_of_front, _ = front(bp)
    gates = alarm_names(bp.app, "prod", specs, kind_of_front)
    kind, why = forwarder(p, bp)
    dns_text, dns_commands = _dns(p, bp)
    steps = [
        "`skylift cutover --target aws` runs the whole move as a journal of steps; killed, "
        "it goes on where it stopped. Preflight: "
        + (
            "the API answering through its custom domain"
            if bp.compute == "lambda"
            else "the load balancer's targets healthy"
        )
        + ", "
        + ("the `db sync` lag under 5 s, " if bp.database else "")
        + "the DNS TTL lowered at least one old TTL ago.",
        *_through(bp),
        *dns_text,
        *_database_steps(bp, kind, why),
        "Each traffic step is gated on the CloudWatch alarms "
        + (
            ", ".join(gates)
            if gates
            else f"of {'the API' if bp.compute == 'lambda' else 'the load balancer'}"
        )
        + ": one in ALARM sends the traffic back to the step before and stops (exit 16); "
        "rerun to retry the step, or roll back. `--single` switches at once.",
    ]
    return {"title": "Cut over", "steps": steps,
            "commands": [*dns_commands, f"skylift cutover {AWS}"]}  # fmt: skip


def _database_steps(bp: Blueprint, kind: str, why: str) -> list[str]:
    if not bp.database:  # cutover's database step says "skipped: the app has no database"
        cache = (
            (
                " Its cache on AWS starts empty: what the old one holds (queued jobs, "
                "sessions) stays there, so let the old workers drain it."
            )
            if bp.cache
            else ""
        )
        return ["The app has no database: `skylift cutover` skips the database steps (nothing "
                f"is frozen or copied), and only the traffic moves.{cache}"]  # fmt: skip
    return [
        "The database moves with `db cutover`: writes on the old database are frozen for a few "
        "seconds while the last changes are applied and verified; the target then records its "
        "own writes, so a rollback loses none.",
        f"While both stacks take traffic only one database may take writes: the old host gets "
        f"a forwarder ({kind}): {why}. `skylift cutover` prints (or, with --forward-command, "
        "runs) what to do there.",
    ]


def rollback_phase(p: AppProfile, bp: Blueprint) -> dict[str, Any]:
    kind, _why = forwarder(p, bp)
    undo = {
        "nginx": "put the old `location /` block back and reload nginx",
        "heroku": "set DATABASE_URL back to the old database",
        "socat": "stop the forwarder and start the app again",
    }[kind]
    if not bp.database:
        return {"title": "Roll back (if needed)",
                "steps": ["`skylift rollback --target aws` sends the traffic back to the old host "
                          "(weights 100/0); there is no database to copy back."],
                "commands": [f"skylift rollback {AWS}"]}  # fmt: skip
    return {
        "title": "Roll back (if needed)",
        "steps": [
            "`skylift rollback --target aws` sends the traffic back to the old host (weights "
            "100/0), freezes the new database, copies every write made on AWS since the cutover "
            "back into the old one, verifies them and lifts the old database's freeze; then "
            f"{undo} on the old host (--unforward-command runs it)."
        ],
        "commands": [f"skylift rollback {AWS}"],
    }
