"""Everything a cutover needs to know, gathered once from the app's plan, the Terraform outputs
of `skylift up` and the target's AWS endpoint: which databases, which DNS name and zone, which
front (the load balancer, CloudFront or API Gateway: front.py) and alarms. Passed as one object (and serialisable, so a test can hand it to
another process); nothing is read from globals later."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skylift.cutover import alarms as alarms_mod
from skylift.cutover.dns import find_zone
from skylift.cutover.front import CLOUDFRONT_ZONE, Front
from skylift.errors import InfraError


@dataclass
class Setup:
    root: Path
    app: str
    environment: str = "prod"
    target: str = "local"  # local | aws
    region: str = "us-east-1"
    endpoint: str | None = None  # the embedded AWS (local), AWS_ENDPOINT_URL, or None
    host: str = "unknown"  # where the app runs today: heroku, vps-compose, ...
    port: int = 8080
    health_path: str = "/"
    domain: str | None = None
    zone_id: str | None = None  # the domain's Route 53 zone; None: DNS outside Route 53
    delegate: bool = False  # Terraform made a zone for the domain: delegating it is the switch
    old_host: str | None = None  # --old-host: what the domain points at today
    front: Front | None = None  # what the domain is switched to (and checked through)
    target_group: str | None = None  # the load balancer's (behind CloudFront too)
    front_notes: list[str] = field(default_factory=list)  # why the front is what it is
    https: bool = False
    alarms: list[str] = field(default_factory=list)
    database: bool = True  # the app has a database (the plan's): it must move first
    source_url: str | None = None
    target_url: str | None = None
    db_workdir: Path = Path(".skylift/db")
    health_url: str | None = None  # --health-url, checked in the preflight
    app_state: Path | None = None  # the local target's state, when `up` rehearsed the app there

    def client(self, service: str) -> Any:
        import boto3

        from skylift.cloud import moto_server

        creds: dict[str, Any] = {}
        if self.target == "local":
            creds = {"aws_access_key_id": moto_server.CREDENTIALS["AWS_ACCESS_KEY_ID"],
                     "aws_secret_access_key": moto_server.CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}  # fmt: skip
        session: Any = boto3.session.Session(region_name=self.region, **creds)
        return session.client(service, endpoint_url=self.endpoint)

    def to_json(self) -> str:
        data = asdict(self)
        data["root"], data["db_workdir"] = str(self.root), str(self.db_workdir)
        data["app_state"] = str(self.app_state) if self.app_state else None
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Setup:
        data = json.loads(text)
        data["root"], data["db_workdir"] = Path(data["root"]), Path(data["db_workdir"])
        data["app_state"] = Path(data["app_state"]) if data.get("app_state") else None
        if data.get("front"):
            data["front"] = Front(**data["front"])
        return cls(**data)


def from_repo(root: Path, *, target: str = "local", environment: str = "prod",
              source: str | None = None, old_host: str | None = None,
              health_url: str | None = None) -> Setup:  # fmt: skip
    """The setup of the app at `root`, provisioned by `skylift up --target <target>`."""
    from skylift.cloud.terraform import Terraform
    from skylift.run import _database
    from skylift.run._targets import open_target
    from skylift.run.up import load_plan

    root = root.resolve()
    bp = load_plan(root, reports=False).blueprint
    tgt = open_target(root, target, bp.app, environment, bp.region)
    tf = Terraform(root / "infra", tgt.state_dir / "tf", tgt.env)
    outputs = tf.outputs() if (tf.workdir / ".terraform").is_dir() else {}
    if "load_balancer_dns" not in outputs and "api_endpoint" not in outputs:
        raise InfraError(
            f"the app is not provisioned on the {target} target",
            f"no Terraform outputs in {tf.workdir}",
            f"run `skylift up --target {target}` first",
        )
    dns = bp.resource("route53")
    specs = bp.resource("alarms").settings["alarms"] if bp.resource("alarms") else []
    setup = Setup(
        root, bp.app, environment, target, bp.region, tgt.endpoint,
        host=str((bp.current or {}).get("host") or "unknown"), port=bp.port,
        health_path=bp.health_path, domain=bp.domain,
        zone_id=(dns.settings.get("zone_id") or None) if dns else None,
        delegate=bool(dns and dns.settings.get("create_zone")),
        old_host=old_host, https=str(outputs.get("app_url", "")).startswith("https://"),
        alarms=alarms_mod.names(bp.app, environment, specs),
        database=bool(bp.database),
        source_url=_database.source_url(root, bp, source, tgt) if bp.database else None,
        target_url=_database.target_url(tgt, bp, lambda _m: None) if bp.database else None,
        db_workdir=tgt.state_dir / "db", health_url=health_url, app_state=_rehearsed(tgt),
    )  # fmt: skip
    find_front(setup, outputs, cdn=bp.has("cloudfront"))
    if setup.front is not None:
        setup.alarms = alarms_mod.names(bp.app, environment, specs, setup.front.kind)
    if setup.domain and setup.zone_id is None and not setup.delegate:
        setup.zone_id = find_zone(setup.client("route53"), setup.domain)
    return setup


def _rehearsed(tgt: Any) -> Path | None:
    """The local target's state folder when `skylift up` ran the app there (its rehearsal is
    what `skylift status` reads); None when the app was not rehearsed."""
    from skylift.rehearse import state as rehearse_state

    if tgt.name != "local" or not rehearse_state.load(tgt.state_dir).services:
        return None
    return Path(tgt.state_dir)


def find_front(setup: Setup, outputs: dict[str, Any], *, cdn: bool = False) -> None:
    """The front the design serves traffic from, from Terraform's outputs: the API Gateway
    domain (compute = "lambda": output api_endpoint, no load balancer), CloudFront (output
    cloudfront_domain, set where the distribution exists), else the load balancer."""
    if "load_balancer_dns" not in outputs:
        _api_gateway(setup, str(outputs["api_endpoint"]))
        return
    _balancer(setup, str(outputs["load_balancer_dns"]))
    if outputs.get("cloudfront_domain"):
        _cloudfront(setup, str(outputs["cloudfront_domain"]))
    elif cdn:
        setup.front_notes.append(
            "the design puts CloudFront in front of the load balancer, but this target has no "
            "distribution (the embedded AWS emulates none: cdn.tf leaves it out of the local "
            "rehearsal): the rehearsal switches the domain to the load balancer; on AWS the "
            "switch goes to the distribution"
        )


def _balancer(setup: Setup, dns_name: str) -> None:
    """The load balancer's alias zone and its target group, looked up by its DNS name."""
    elb = setup.client("elbv2")
    for lb in elb.describe_load_balancers()["LoadBalancers"]:
        if lb["DNSName"] == dns_name:
            setup.front = Front(dns_name, lb["CanonicalHostedZoneId"], "alb", setup.health_path)
            groups = elb.describe_target_groups(LoadBalancerArn=lb["LoadBalancerArn"])
            found = groups["TargetGroups"]
            setup.target_group = found[0]["TargetGroupArn"] if found else None
            return
    raise InfraError(
        f"the load balancer {dns_name} is not in the {setup.target} account",
        "Terraform's outputs name a load balancer the account does not have",
        f"run `skylift up --target {setup.target}` again",
    )


def _cloudfront(setup: Setup, dns_name: str) -> None:
    """The distribution in front of the load balancer; it must answer for the domain (an
    alternate domain name), or every request switched to it gets CloudFront's 403."""
    cf = setup.client("cloudfront")
    found = None
    for page in cf.get_paginator("list_distributions").paginate():
        items = (page.get("DistributionList") or {}).get("Items") or []
        found = next((d for d in items if d["DomainName"] == dns_name), found)
    if found is None:
        raise InfraError(f"the CloudFront distribution {dns_name} is not in the {setup.target} account",
                         "Terraform's output cloudfront_domain names a distribution the account does not have",
                         f"run `skylift up --target {setup.target}` again")  # fmt: skip
    # read from the distribution itself: moto's list leaves the aliases out of its summaries
    config = cf.get_distribution(Id=found["Id"])["Distribution"]["DistributionConfig"]
    aliases = (config.get("Aliases") or {}).get("Items") or []
    if setup.domain and setup.domain not in aliases:
        raise InfraError(f"the CloudFront distribution {dns_name} does not answer for {setup.domain}",
                         f"{setup.domain} is not one of its alternate domain names (the domain's "
                         "certificate is not issued yet: cdn.tf adds it once it is)",
                         "validate the certificate (certificate_validated = true), run `skylift up` "
                         "again, then rerun")  # fmt: skip
    setup.front = Front(dns_name, CLOUDFRONT_ZONE, "cloudfront", setup.health_path)


def _api_gateway(setup: Setup, endpoint: str) -> None:
    """The HTTP API's custom domain: its regional target name and zone are what Route 53
    aliases the domain to (the API's own execute-api name does not answer for the domain)."""
    api_host = endpoint.split("://", 1)[-1].split("/", 1)[0]
    config: dict[str, Any] = {}
    if setup.domain:
        api = setup.client("apigatewayv2")
        try:
            configs = api.get_domain_name(DomainName=setup.domain)["DomainNameConfigurations"]
        except api.exceptions.NotFoundException:
            configs = []
        config = configs[0] if configs else {}
    target, zone = config.get("ApiGatewayDomainName"), config.get("HostedZoneId")
    if target and zone:
        setup.front = Front(str(target), str(zone), "apigw", setup.health_path)
        return
    if setup.domain and setup.zone_id is not None and setup.target != "local":
        raise InfraError(f"the API has no custom domain {setup.domain} with a regional target",
                         "apigw.tf creates it once the domain's certificate is issued; without "
                         "it API Gateway does not answer for the domain",
                         "run `skylift up --target aws` again (the certificate is validated "
                         "through the zone), then rerun")  # fmt: skip
    # the embedded AWS keeps a custom domain without its regional target name or zone, and
    # an app without a domain is reached at the API's own address
    setup.front = Front(api_host, config.get("HostedZoneId") or "", "apigw", setup.health_path)
    if setup.domain:
        setup.front_notes.append(
            f"the API Gateway custom domain {setup.domain} has no regional target name on the "
            f"{setup.target} target (the embedded AWS gives none, and apigw.tf leaves the custom "
            f"domain out of the local rehearsal): the rehearsal switches the domain to the API's "
            f"own name {api_host}; on AWS it goes to the custom domain's target"
        )
