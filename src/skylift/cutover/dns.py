"""The traffic switch in DNS: Route 53 weighted records between the old host and the design's
front (the load balancer, CloudFront or the API Gateway domain: front.py), or — where the
domain's DNS is elsewhere — the exact records to set by hand and a check that resolves the
name and compares.

Route 53 does not let a plain record and weighted records share a name and type, so the plain
record that points at the old host is replaced, in one atomic change batch, by two weighted
records: `skylift-old` (the old host, weight 100) and `skylift-aws` (the front, weight 0). Both
have the same type: an IP address becomes an A record next to an A alias of the front; a host
name (Heroku's DNS target, a VPS's name) a CNAME next to a CNAME to it.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any

from skylift.cutover.front import Front

OLD, NEW = "skylift-old", "skylift-aws"
LOW_TTL = 60
Balancer = Front  # the name of the load-balancer-only days


def fqdn(name: str) -> str:
    return name.rstrip(".") + "."


def find_zone(r53: Any, domain: str) -> str | None:
    """The Route 53 hosted zone of `domain` in this account (its closest enclosing zone)."""
    labels = domain.rstrip(".").split(".")
    for i in range(len(labels) - 1):
        name = fqdn(".".join(labels[i:]))
        zones = r53.list_hosted_zones_by_name(DNSName=name, MaxItems="1")["HostedZones"]
        if zones and zones[0]["Name"] == name and not zones[0]["Config"].get("PrivateZone"):
            return str(zones[0]["Id"]).rsplit("/", 1)[-1]
    return None


def records(r53: Any, zone: str, domain: str) -> list[dict[str, Any]]:
    """The A, AAAA and CNAME record sets of `domain` (plain and weighted)."""
    name = fqdn(domain)
    found = r53.list_resource_record_sets(HostedZoneId=zone, StartRecordName=name)
    return [
        r
        for r in found["ResourceRecordSets"]
        if r["Name"] == name and r["Type"] in ("A", "AAAA", "CNAME")
    ]


def plain(r53: Any, zone: str, domain: str) -> dict[str, Any] | None:
    """The plain (not weighted) record of the domain, which points at the old host today."""
    for r in records(r53, zone, domain):
        if "SetIdentifier" not in r and r["Type"] in ("A", "CNAME"):
            return r
    return None


def weighted(r53: Any, zone: str, domain: str) -> dict[str, dict[str, Any]]:
    return {
        r["SetIdentifier"]: r
        for r in records(r53, zone, domain)
        if r.get("SetIdentifier") in (OLD, NEW)
    }


def _change(r53: Any, zone: str, changes: list[dict[str, Any]], comment: str) -> None:
    r53.change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch={"Comment": comment, "Changes": changes}
    )


def lower_ttl(r53: Any, zone: str, domain: str, ttl: int = LOW_TTL) -> dict[str, Any]:
    """Lower the TTL of the domain's record; what was there before and when, for the wait."""
    now = time.time()
    current = plain(r53, zone, domain)
    if current is None:
        ours = weighted(r53, zone, domain)
        if ours:  # an earlier run went further: nothing to lower
            return {"old_ttl": ttl, "lowered_at": now, "record": None}
        return {"old_ttl": 0, "lowered_at": now, "record": None, "missing": True}
    old_ttl = int(current.get("TTL") or LOW_TTL)  # an alias answers with its target's TTL
    if "AliasTarget" not in current and old_ttl > ttl:
        _change(r53, zone, [{"Action": "UPSERT", "ResourceRecordSet": {**current, "TTL": ttl}}],
                f"skylift cutover: TTL {old_ttl} -> {ttl} before the switch")  # fmt: skip
    return {"old_ttl": old_ttl, "lowered_at": now, "record": _describe(current)}


def _describe(r: dict[str, Any]) -> dict[str, Any]:
    values = [v["Value"] for v in r.get("ResourceRecords", [])]
    alias = (r.get("AliasTarget") or {}).get("DNSName")
    return {"type": r["Type"], "values": values, "alias": alias, "ttl": r.get("TTL")}


def _old_set(old: dict[str, Any], weight: int, health_check: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": old["name"], "Type": old["type"], "SetIdentifier": OLD,
                           "Weight": weight, "TTL": LOW_TTL,
                           "ResourceRecords": [{"Value": v} for v in old["values"]]}  # fmt: skip
    if health_check:
        out["HealthCheckId"] = health_check
    return out


def _new_set(old: dict[str, Any], front: Front, weight: int) -> dict[str, Any]:
    base = {"Name": old["name"], "Type": old["type"], "SetIdentifier": NEW, "Weight": weight}
    if old["type"] == "CNAME":
        return {**base, "TTL": LOW_TTL, "ResourceRecords": [{"Value": front.dns_name}]}
    # Route 53 refuses EvaluateTargetHealth on a CloudFront alias; an API has no targets
    alias = {"HostedZoneId": front.zone_id, "DNSName": front.dns_name,
             "EvaluateTargetHealth": front.evaluate_health}  # fmt: skip
    return {**base, "AliasTarget": alias}


def old_host(record: dict[str, Any] | None, given: str | None, domain: str) -> dict[str, Any]:
    """What `skylift-old` points at: --old-host, or the values of the record found."""
    if given:
        kind = "A" if _is_ip(given) else "CNAME"
        return {"name": fqdn(domain), "type": kind, "values": [given]}
    if record is None or not record.get("values"):
        return {}
    return {"name": fqdn(domain), "type": record["type"], "values": list(record["values"])}


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def make_weighted(r53: Any, zone: str, old: dict[str, Any], front: Front,
                  health_check: str | None) -> dict[str, Any]:  # fmt: skip
    """Replace the plain record by the two weighted ones (old 100, aws 0), atomically."""
    domain = old["name"]
    if weighted(r53, zone, domain):
        return {"already": True}
    changes = [{"Action": "CREATE", "ResourceRecordSet": _old_set(old, 100, health_check)},
               {"Action": "CREATE", "ResourceRecordSet": _new_set(old, front, 0)}]  # fmt: skip
    current = plain(r53, zone, domain)
    if current is not None:
        changes.insert(0, {"Action": "DELETE", "ResourceRecordSet": current})
    _change(r53, zone, changes, "skylift cutover: weighted records, all traffic on the old host")
    return {"replaced": _describe(current) if current else None}


def set_weights(r53: Any, zone: str, old: dict[str, Any], front: Front, percent: int,
                health_check: str | None) -> dict[str, int]:  # fmt: skip
    """Send `percent` of the lookups to the front, the rest to the old host."""
    changes = [
        {"Action": "UPSERT", "ResourceRecordSet": _old_set(old, 100 - percent, health_check)},
        {"Action": "UPSERT", "ResourceRecordSet": _new_set(old, front, percent)},
    ]
    _change(r53, zone, changes, f"skylift: {percent}% of the traffic on AWS")
    return {"aws": percent, "old": 100 - percent}


def health_check(r53: Any, old: dict[str, Any], path: str, reference: str) -> str | None:
    """A Route 53 health check of the old host: while it fails, its weighted record is left
    out of the answers. Only for an IP or a host name answering HTTP on port 80."""
    if not old.get("values"):
        return None
    value = old["values"][0]
    config: dict[str, Any] = {"Type": "HTTP", "Port": 80, "ResourcePath": path or "/",
                              "RequestInterval": 30, "FailureThreshold": 3}  # fmt: skip
    config["IPAddress" if _is_ip(value) else "FullyQualifiedDomainName"] = value.rstrip(".")
    made = r53.create_health_check(CallerReference=reference[:64], HealthCheckConfig=config)
    return str(made["HealthCheck"]["Id"])


# -- DNS outside Route 53 ---------------------------------------------------------------------
def manual_steps(domain: str, lb_dns: str, old_ttl: int | None,
                 label: str = "the load balancer") -> list[str]:  # fmt: skip
    """What to set where the domain's DNS is (a registrar, Cloudflare), in order; `lb_dns`
    is the front's name (`label` says which front it is)."""
    wait = f"{old_ttl} s" if old_ttl else "the record's current TTL (at most 48 h)"
    apex = domain.count(".") == 1
    record = (
        f"ALIAS/ANAME {domain} -> {lb_dns} (an apex name cannot be a CNAME: use your provider's "
        "ALIAS, ANAME or CNAME flattening — Cloudflare flattens a CNAME at the apex; proxy off)"
        if apex
        else f"CNAME {domain} -> {lb_dns}, TTL {LOW_TTL} (Cloudflare: DNS only, not proxied)"
    )
    return [
        f"now: set the TTL of {domain}'s record to {LOW_TTL} s where its DNS is",
        f"wait {wait} (the old TTL): resolvers may keep the old record that long",
        f"after the database moved (this command says when): replace the record by {record}",
        f"check: `skylift cutover --check-dns` resolves {domain} and compares it with {label}'s "
        "addresses",
    ]


def delegation_steps(domain: str, label: str = "the load balancer") -> list[str]:
    """The switch when Terraform created the domain's zone (it already points at AWS)."""
    return [
        f"now: lower the TTL of {domain}'s NS records where its DNS is today (often 48 h)",
        "wait that old TTL: resolvers may keep the old delegation that long",
        f"after the database moved (this command says when): delegate {domain} to the zone's "
        "name servers (terraform -chdir=infra output name_servers)",
        f"check: `skylift cutover --check-dns` resolves {domain} and compares it with {label}'s "
        "addresses",
    ]


@dataclass
class Check:
    domain: str
    addresses: list[str]
    front: list[str]
    old: list[str]

    @property
    def on_aws(self) -> bool:
        return bool(self.addresses) and set(self.addresses) <= set(self.front)

    @property
    def on_old(self) -> bool:
        return bool(self.addresses) and set(self.addresses) <= set(self.old)

    def as_dict(self) -> dict[str, Any]:
        return {"domain": self.domain, "resolves_to": self.addresses, "on_aws": self.on_aws,
                "on_old_host": self.on_old, "front": self.front,
                "old_host": self.old}  # fmt: skip


def resolve(name: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    return sorted({str(i[4][0]) for i in infos})


def check(domain: str, lb_dns: str, old_values: list[str]) -> Check:
    """Resolve the domain (this machine's resolver) and say where it points."""
    old: set[str] = set()
    for value in old_values:
        old.update([value] if _is_ip(value) else resolve(value))
    return Check(domain, resolve(domain), resolve(lb_dns), sorted(old))
