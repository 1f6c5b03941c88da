"""The pieces `skylift cutover` works on, made directly on a moto server (no Terraform): a
load balancer with its target group, the domain's Route 53 zone with a record pointing at the
old host, the two gate alarms; and the app's SQLite database (the sync tests' tables), a
PostgreSQL target, and a load generator whose writes follow the database (the forwarder)."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from skylift.cloud import moto_server
from skylift.cutover import Setup
from skylift.cutover.front import Front
from skylift.cutover.journal import Journal

OLD_IP = "203.0.113.10"


def client(url: str, service: str) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip


def balancer(url: str) -> tuple[Front, str]:
    """An ALB in two subnets and its target group."""
    ec2, elb = client(url, "ec2"), client(url, "elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24",
                                 AvailabilityZone=f"us-east-1{'ab'[i]}")["Subnet"]["SubnetId"]
               for i in range(2)]  # fmt: skip
    lb = elb.create_load_balancer(Name=f"lb-{uuid.uuid4().hex[:8]}", Subnets=subnets,
                                  Type="application")["LoadBalancers"][0]  # fmt: skip
    tg = elb.create_target_group(Name=f"tg-{uuid.uuid4().hex[:8]}", Protocol="HTTP", Port=80,
                                 VpcId=vpc, TargetType="ip")["TargetGroups"][0]  # fmt: skip
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])  # fmt: skip
    return Front(lb["DNSName"], lb["CanonicalHostedZoneId"], "alb", "/health"), tg["TargetGroupArn"]


def make_setup(url: str, root: Path, lb: Front, tg: str, source: Path, target: str,
               ttl: int = 1) -> Setup:  # fmt: skip
    """A fresh app: its own zone, record (TTL `ttl`) and alarms on the shared moto server."""
    app = f"shop{uuid.uuid4().hex[:6]}"
    domain = f"www.{app}.example.com"
    r53, cw = client(url, "route53"), client(url, "cloudwatch")
    zone = r53.create_hosted_zone(Name=f"{app}.example.com", CallerReference=app)
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    record = {"Name": domain, "Type": "A", "TTL": ttl, "ResourceRecords": [{"Value": OLD_IP}]}
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
        "Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]})  # fmt: skip
    alarms = [f"{app}-prod-5xx-rate", f"{app}-prod-latency-p95"]
    for name in alarms:
        cw.put_metric_alarm(AlarmName=name, ComparisonOperator="GreaterThanThreshold",
                            EvaluationPeriods=5, Threshold=5, Namespace="AWS/ApplicationELB",
                            MetricName="TargetResponseTime", Period=60, Statistic="Average")  # fmt: skip
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="test start")
    return Setup(root, app, "prod", "local", "us-east-1", url, host="vps-compose", port=3000,
                 health_path="/health", domain=domain, zone_id=zone_id, front=lb,
                 target_group=tg, alarms=alarms, source_url=str(source), target_url=target,
                 db_workdir=root / ".skylift" / "db")  # fmt: skip


def weights(setup: Setup) -> dict[str, int]:
    r53 = client(str(setup.endpoint), "route53")
    found = r53.list_resource_record_sets(HostedZoneId=setup.zone_id)["ResourceRecordSets"]
    return {r["SetIdentifier"]: int(r["Weight"]) for r in found if "SetIdentifier" in r}


def start_moto(folder: Path) -> moto_server.MotoServer:
    return moto_server.start(folder)


@dataclass
class Follow:
    """The app's writes: to the old database until the cutover moved it (the old host then
    forwards to AWS, where the app writes to the new one), and back after a rollback. A write
    refused by a freeze before that is counted, not retried."""

    source: Path
    target: str
    journal: Journal
    on: str = "old"
    hold: bool = False  # the forwarder stays in place after a rollback: writes keep refused
    # called once, before the first write on the new database: the old one is frozen and the
    # new one untouched, so they must hold exactly the same rows (not counted in the window)
    on_switch: Callable[[], None] | None = None
    checked: bool = False
    first_refused: float | None = None
    refused_on: str = ""
    windows: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.old = sqlite3.connect(self.source, timeout=30, isolation_level=None,
                                   check_same_thread=False)  # fmt: skip
        self.old.execute("PRAGMA foreign_keys = ON")
        self.new = psycopg.connect(self.target, autocommit=True)
        self.writes = {"old": 0, "new": 0}

    def write(self, sql: str, args: tuple[Any, ...]) -> None:
        if self.on == "new" and not self.checked:
            self.checked = True
            began = time.monotonic()
            if self.on_switch:
                self.on_switch()
            if self.first_refused is not None:
                self.first_refused += time.monotonic() - began
        try:
            if self.on == "old":
                self.old.execute(sql, args)
            else:
                self.new.execute(sql.replace("?", "%s"), args)
        except (sqlite3.Error, psycopg.Error):
            self._refused()
            raise
        self.writes[self.on] += 1
        # a write the frozen side did not refuse changed nothing there (an UPDATE or DELETE
        # that matched no row fires no trigger): the window ends on the other side
        if self.first_refused is not None and self.on != self.refused_on:
            self.windows.append(time.monotonic() - self.first_refused)
            self.first_refused = None

    def _refused(self) -> None:
        if self.first_refused is None:
            self.first_refused, self.refused_on = time.monotonic(), self.on
        moved = self.journal.done("cutover", "database") is not None
        back = not self.hold and self.journal.done("rollback", "finished") is not None
        self.on = "old" if back or not moved else "new"

    def close(self) -> None:
        self.old.close()
        self.new.close()


class Health:
    """A local HTTP server standing in for a front's answer to the health path: the status
    it gives is set by the test, the Host header of every request kept."""

    def __init__(self) -> None:
        import http.server

        owner = self
        self.status, self.hosts = 200, []  # type: ignore[var-annotated]

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hosts.append((self.headers.get("Host"), self.path))
                self.send_response(owner.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
