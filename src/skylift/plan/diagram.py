"""Architecture diagrams as inline SVG, drawn from the Blueprint (target) and AppProfile (today).

No layout engine: a fixed grid (users -> edge -> VPC with one lane per availability zone ->
regional services below) is enough for the shapes skylift produces, and keeps the output
deterministic for golden tests.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from html import escape

from skylift.plan.blueprint import Blueprint
from skylift.scan.model import AppProfile

W, BOX_W, BOX_H = 980, 190, 62
COLORS = {
    "edge": ("#fde7d3", "#c2600a"),
    "compute": ("#fff3c4", "#a77b00"),
    "data": ("#dbe9ff", "#2553a8"),
    "net": ("#e8e1f7", "#5b3fa3"),
    "ops": ("#e4f4e4", "#2d7a2d"),
    "user": ("#f1f1f1", "#555555"),
}


HOST_LABELS = {
    "heroku": "Heroku",
    "vps-compose": "a VPS (docker-compose)",
    "fly": "Fly.io",
    "local": "a single machine",
}


@dataclass
class Box:
    x: float
    y: float
    title: str
    lines: tuple[str, ...] = ()
    kind: str = "compute"
    dashed: bool = False

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2

    def svg(self) -> str:
        fill, stroke = COLORS[self.kind]
        dash = ' stroke-dasharray="6 4"' if self.dashed else ""
        out = [
            f'<rect x="{self.x}" y="{self.y}" width="{BOX_W}" height="{BOX_H}" rx="8" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}/>',
            f'<text x="{self.cx}" y="{self.y + 20}" class="t">{escape(self.title)}</text>',
        ]
        for i, line in enumerate(self.lines[:2]):
            out.append(
                f'<text x="{self.cx}" y="{self.y + 38 + 15 * i}" class="s">{escape(line)}</text>'
            )
        return "\n".join(out)


def _arrow(a: Box, b: Box, label: str = "") -> str:
    if abs(a.cy - b.cy) < 1 or b.x > a.x + BOX_W:
        x1, y1, x2, y2 = a.x + BOX_W, a.cy, b.x - 4, b.cy
    else:  # b below a
        x1, y1, x2, y2 = a.cx, a.y + BOX_H, b.cx, b.y - 4
    text = ""
    if label and x1 == x2:
        text = (
            f'<text x="{x1 + 8}" y="{(y1 + y2) / 2 + 4}" class="l" text-anchor="start" '
            f'style="text-anchor:start">{escape(label)}</text>'
        )
    elif label:
        text = f'<text x="{(x1 + x2) / 2}" y="{(y1 + y2) / 2 - 6}" class="l">{escape(label)}</text>'
    return (
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#444" stroke-width="1.4" '
        f'marker-end="url(#arrow)"/>{text}'
    )


def _svg(height: float, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" font-family="Helvetica, Arial, sans-serif">\n'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker>'
        "<style>.t{font-size:13px;font-weight:bold;text-anchor:middle;fill:#222}"
        ".s{font-size:11px;text-anchor:middle;fill:#333}"
        ".l{font-size:11px;text-anchor:middle;fill:#555}"
        ".g{font-size:12px;font-weight:bold;fill:#555}</style></defs>\n"
        + "\n".join(body)
        + "\n</svg>"
    )


def target_svg(bp: Blueprint) -> str:
    """The target architecture: edge, VPC lanes per AZ, regional services."""
    body: list[str] = []
    top = 60
    vpc_x, vpc_w = 260, W - 270
    vpc_h = LANE_H * bp.availability_zones + 20
    body.append(
        f'<rect x="{vpc_x}" y="{top - 20}" width="{vpc_w}" height="{vpc_h + 20}" '
        'rx="10" fill="none" stroke="#5b3fa3" stroke-width="1.5"/>'
    )
    body.append(
        f'<text x="{vpc_x + 10}" y="{top - 4}" class="g">VPC {bp.vpc_cidr} '
        f"({escape(bp.region)})</text>"
    )
    lanes = []
    for i in range(bp.availability_zones):
        y = top + 10 + i * LANE_H
        lanes.append(y)
        body.append(
            f'<rect x="{vpc_x + 10}" y="{y}" width="{vpc_w - 20}" '
            f'height="{LANE_H - 12}" rx="6" fill="#fafafa" stroke="#bbb" '
            'stroke-dasharray="4 3"/>'
        )
        body.append(f'<text x="{vpc_x + 18}" y="{y + 16}" class="g">AZ {chr(97 + i)}</text>')
    boxes, edge = _edge_column(bp, top, body)
    tasks = _task_boxes(bp, lanes)
    boxes += tasks + _side_boxes(bp, lanes)
    body += [_arrow(edge, t) for t in tasks]
    data = _data_boxes(bp, lanes)
    boxes += data
    for d in data:
        if d.kind == "data" and not d.dashed:
            body += [_arrow(t, d) for t in tasks]
    bottom = top + vpc_h + 30
    services = _regional_boxes(bp, bottom)
    boxes += services
    body.append(f'<text x="20" y="{bottom - 8}" class="g">Regional services</text>')
    body += [b.svg() for b in boxes]
    rows = (len(services) + 3) // 4
    return _svg(bottom + rows * (BOX_H + 20) + 10, body, f"Target architecture of {bp.app}")


LANE_H = 180


def _slot(lane: float, k: int) -> float:
    return lane + 26 + k * (BOX_H + 12)


def _edge_column(bp: Blueprint, top: float, body: list[str]) -> tuple[list[Box], Box]:
    """Users -> (Route 53) -> (WAF) -> ALB or API Gateway, stacked on the left."""
    x, y = 30, top
    users = Box(x, y, "Users", ("HTTPS" if bp.domain else "HTTP",), "user")
    chain = [users]
    if bp.has("cloudfront"):  # plan/_edge.py: the WAF is CloudFront's then
        chain.append(Box(x, 0, "CloudFront", ("assets cached a year", "security headers"), "edge"))
    if bp.has("waf"):
        rules = len(bp.resource("waf").settings["rules"])  # type: ignore[union-attr]
        chain.append(Box(x, 0, "AWS WAF", (f"{rules} rules, rate limit",), "edge"))
    if bp.has("api_gateway"):
        chain.append(Box(x, 0, "API Gateway", ("HTTP API",), "edge"))
    else:
        https = "HTTPS, ACM certificate" if bp.domain else "HTTP (no domain yet)"
        chain.append(
            Box(x, 0, "Load balancer", (f"ALB in {bp.availability_zones} AZs", https), "edge")
        )
    for i, b in enumerate(chain[1:], start=1):
        b.y = y + i * (BOX_H + 40)
    for a, b in itertools.pairwise(chain):
        body.append(_arrow(a, b, bp.domain or "" if a is users else ""))
    return chain, chain[-1]


def _task_boxes(bp: Blueprint, lanes: list[int]) -> list[Box]:
    x = 300
    mid = (LANE_H - 12 - BOX_H) / 2
    if bp.has("lambda_function"):
        s = bp.resource("lambda_function").settings  # type: ignore[union-attr]
        return [
            Box(
                x,
                lanes[0] + mid,
                "Lambda",
                (f"{s['memory_mb']} MB {s['arch']}", "private subnets"),
                "compute",
            )
        ]
    s = bp.resource("ecs_service").settings  # type: ignore[union-attr]
    out = []
    for i in range(s["desired_count"]):
        lane, stack = lanes[i % len(lanes)], i // len(lanes)
        where = "public subnet, public IP" if s["assign_public_ip"] else "private subnet"
        spot = " Spot" if s["spot"] and i >= s["on_demand_base"] else ""
        out.append(
            Box(
                x + 12 * stack,
                _slot(lane, 0) + 8 * stack,
                f"Fargate{spot} task {i + 1}",
                (f"{s['cpu']:g} vCPU / {s['memory']} MiB {s['arch']}", where),
                "compute",
            )
        )
    return out


def _side_boxes(bp: Blueprint, lanes: list[int]) -> list[Box]:
    """Worker and cron services: Fargate tasks without a load balancer (every one is drawn:
    past one per lane, the last box names the rest)."""
    side = [r for r in bp.resources if r.kind == "ecs" and r.key != "ecs_service"]
    shown = side if len(side) <= len(lanes) else side[: len(lanes) - 1]
    out = []
    for i, r in enumerate(shown):
        title = "Cron service" if r.key == "cron_service" else f"Worker: {r.settings['name']}"
        cmd = str(r.settings["command"] or "")
        spot = " on Spot" if r.settings["spot"] else ""
        out.append(
            Box(
                300,
                _slot(lanes[i], 1),
                title,
                (f"1 task{spot}, no load balancer", cmd[:30]),
                "compute",
            )
        )
    rest = side[len(shown) :]
    if rest:
        names = ", ".join(str(r.settings["name"]) for r in rest)
        out.append(
            Box(
                300,
                _slot(lanes[len(shown)], 1),
                f"{len(rest)} more services",
                (names[:30], "1 task each, no load balancer"),
                "compute",
            )
        )
    return out


def _data_boxes(bp: Blueprint, lanes: list[int]) -> list[Box]:
    out = []
    x_db, x_nat = 540, 770
    last = lanes[-1]
    db = bp.resource("rds")
    if db:
        s = db.settings
        ext = ", ".join(s["extensions"]) or "PostgreSQL"
        out.append(
            Box(
                x_db,
                _slot(lanes[0], 0),
                "RDS PostgreSQL 16",
                (f"{s['instance_class']}, {s['allocated_storage']} GB gp3", ext),
                "data",
            )
        )
        if s["multi_az"] and len(lanes) > 1:
            out.append(
                Box(
                    x_db,
                    _slot(last, 0),
                    "RDS standby",
                    ("synchronous replica",),
                    "data",
                    dashed=True,
                )
            )
    cache = bp.resource("elasticache")
    if cache:
        t = cache.settings["node_type"]
        out.append(Box(x_db, _slot(lanes[0], 1), "ElastiCache Valkey", (f"{t} primary",), "data"))
        if cache.count > 1 and len(lanes) > 1:
            out.append(Box(x_db, _slot(last, 1), "Valkey replica", (t,), "data", dashed=True))
    nat = bp.resource("nat_gateway")
    for i in range(min(nat.count, len(lanes)) if nat else 0):
        out.append(
            Box(
                x_nat,
                _slot(lanes[i], 0),
                "NAT gateway",
                ("tasks' outbound traffic", "Elastic IP"),
                "net",
            )
        )
    return out


def _regional_boxes(bp: Blueprint, y: float) -> list[Box]:
    items: list[tuple[str, tuple[str, ...], str]] = [
        ("ECR", ("container images",), "ops"),
        ("SSM Parameter Store", (f"{len(bp.secrets)} secrets",), "ops"),
    ]
    logs = bp.resource("logs")
    alarms = bp.resource("alarms")
    items.append(
        (
            "CloudWatch",
            (
                f"logs {logs.settings['retention_days'] if logs else 0} days",
                f"{alarms.count if alarms else 0} alarms",
            ),
            "ops",
        )
    )
    backups = bp.resource("s3_backups")
    keep = backups.settings.get("keep_days", 35) if backups else 35
    items.append(("S3 backups", (f"versioned, {keep} days",), "ops"))
    if bp.has("s3_uploads"):
        items.append(("S3 uploads", ("files the app stores",), "data"))
    if bp.has("scheduler"):
        n = bp.resource("scheduler").count  # type: ignore[union-attr]
        items.append(("EventBridge Scheduler", (f"{n} cron job(s)",), "ops"))
    if bp.has("route53"):
        items.append(("Route 53", (bp.domain or "",), "edge"))
    if bp.has("ses"):
        items.append(("Amazon SES", (f"mail from {bp.domain}",), "ops"))
    items.append(("AWS Budgets", ("alert at 80% / 100%",), "ops"))
    per_row = 4
    out = []
    for i, (title, lines, kind) in enumerate(items):
        row, col = divmod(i, per_row)
        out.append(Box(20 + col * (BOX_W + 50), y + row * (BOX_H + 20), title, lines, kind))
    return out


def current_svg(profile: AppProfile) -> str:
    """Where the app runs today, as far as scan could tell."""
    host = str(profile.current_host.value) if profile.current_host else "unknown"
    label = HOST_LABELS.get(host, "unknown host")
    body = [
        f'<rect x="250" y="20" width="{W - 270}" height="230" rx="10" fill="none" '
        'stroke="#888" stroke-width="1.5"/>',
        f'<text x="262" y="40" class="g">{escape(label)}</text>',
    ]
    users = Box(20, 95, "Users", ("HTTPS",), "user")
    boxes = [users]
    x = 280
    if host == "vps-compose":
        proxy = Box(x, 95, "nginx", ("TLS, reverse proxy",), "edge")
        boxes.append(proxy)
        body.append(_arrow(users, proxy))
        x += BOX_W + 40
        prev = proxy
    else:
        prev = users
    app = Box(x, 95, _app_title(profile), _app_lines(profile), "compute")
    boxes.append(app)
    body.append(_arrow(prev, app))
    side_x = x + BOX_W + 40
    for i, (title, lines) in enumerate(_current_data(profile)[:2]):
        b = Box(side_x, 60 + i * (BOX_H + 30), title, lines, "data")
        boxes.append(b)
        body.append(_arrow(app, b))
    if profile.jobs:
        jobs = Box(x, 95 + BOX_H + 30, "Jobs", (f"{len(profile.jobs)} cron/one-off",), "ops")
        boxes.append(jobs)
    body += [b.svg() for b in boxes]
    return _svg(270, body, f"Current architecture of {profile.name}")


def _app_title(profile: AppProfile) -> str:
    fw = str(profile.framework.value) if profile.framework else "app"
    return f"{profile.name}: {fw}"


def _app_lines(profile: AppProfile) -> tuple[str, ...]:
    lines = []
    if profile.runtime and isinstance(profile.runtime.value, dict):
        rt = profile.runtime.value
        lines.append(f"{rt.get('language', '')} {rt.get('version') or ''}".strip())
    if profile.port:
        lines.append(f"port {profile.port.value}")
    return tuple(lines)


def _current_data(profile: AppProfile) -> list[tuple[str, tuple[str, ...]]]:
    out: list[tuple[str, tuple[str, ...]]] = []
    heroku = profile.current_host is not None and profile.current_host.value == "heroku"
    for db in profile.databases:
        where = db.files[0] if db.files else (db.driver or "")
        if heroku and db.engine == "postgresql":
            where = "Heroku Postgres add-on"
        out.append((db.engine if db.engine != "postgresql" else "PostgreSQL", (where,)))
    if profile.cache:
        v = profile.cache.value if isinstance(profile.cache.value, dict) else {}
        out.append((str(v.get("engine", "redis")).capitalize(), (str(v.get("client", "")),)))
    return out
