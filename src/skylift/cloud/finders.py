"""Finding in the account a resource Terraform is about to create, from what the plan knows of
it (its name, or for unnamed EC2 resources its Name tag and the app's tags, or the resource it
hangs on): the id `terraform import` takes, or None. Used to adopt what a cut-off apply made
(skylift.run.adopt); each finder asks one read-only API and never guesses between two."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

Client = Callable[[str], Any]


class Lookup:
    def __init__(self, client: Client, tags: dict[str, str]) -> None:
        self.client, self.tags = client, tags
        # ids already given to one address, never to a second (names repeat across types: a
        # repository and a subnet group may share the app's name)
        self.given: set[tuple[str, str]] = set()
        self.taken: set[str] = set()  # unique ids (EC2's, KMS keys'): across types too

    def find(self, rtype: str, after: dict[str, Any]) -> str | None:
        finder = FINDERS.get(rtype)
        if finder is None:
            return None
        found: str | None = None
        with contextlib.suppress(Exception):  # not found, not allowed, not emulated: create it
            found = finder(self, after)
        if found is None or (rtype, found) in self.given:
            return None
        self.given.add((rtype, found))
        self.taken.add(found)
        return found

    # -- EC2: by the app's tags (and a Name tag or a parent) ---------------------------------
    def ec2_one(self, describe: str, key: str, idkey: str, filters: list[dict[str, Any]],
                after: dict[str, Any]) -> str | None:  # fmt: skip
        tags = {
            **self.tags,
            **({"Name": after["tags"]["Name"]} if (after.get("tags") or {}).get("Name") else {}),
        }
        filters = [*filters, *({"Name": f"tag:{k}", "Values": [v]} for k, v in tags.items())]
        items = getattr(self.client("ec2"), describe)(Filters=filters)[key]
        ids = [i[idkey] for i in items if i[idkey] not in self.taken and _live(i)]
        return ids[0] if len(ids) == 1 else None


def _live(item: dict[str, Any]) -> bool:
    return str(item.get("State", "available")).lower() not in ("deleted", "deleting", "failed")


def _by_name(service: str, call: str, arg: str, attr: str = "name", *, listy: bool = False,
             arn: tuple[str, str] | None = None) -> Callable[[Lookup, dict[str, Any]], str | None]:  # fmt: skip
    """Found by its name (`call(arg=name)`, raising when there is none): imported by that name,
    or by the ARN at `arn` = (list key, ARN key) of the answer."""

    def finder(lk: Lookup, after: dict[str, Any]) -> str | None:
        name = after.get(attr)
        if not name:
            return None
        resp = getattr(lk.client(service), call)(**{arg: [name] if listy else name})
        if arn is None:
            return str(name)
        items = resp[arn[0]]
        return str(items[0][arn[1]]) if len(items) == 1 else None

    return finder


def _log_group(lk: Lookup, after: dict[str, Any]) -> str | None:
    name = after.get("name")
    groups = lk.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    return name if any(g["logGroupName"] == name for g in groups) else None


def _kms_alias(lk: Lookup, after: dict[str, Any]) -> str | None:
    name = after.get("name")
    aliases = lk.client("kms").list_aliases()["Aliases"]
    return name if any(a["AliasName"] == name for a in aliases) else None


def _kms_key(lk: Lookup, after: dict[str, Any]) -> str | None:
    kms = lk.client("kms")
    ids = []
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta.get("KeyState") != "Enabled" or meta.get("Description") != after.get("description"):
            continue
        tags = {
            t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]
        }
        if all(tags.get(k) == v for k, v in lk.tags.items()) and key["KeyId"] not in lk.taken:
            ids.append(key["KeyId"])
    return ids[0] if len(ids) == 1 else None


def _role_policy(lk: Lookup, after: dict[str, Any]) -> str | None:
    if not after.get("role") or not after.get("name"):
        return None
    lk.client("iam").get_role_policy(RoleName=after["role"], PolicyName=after["name"])
    return f"{after['role']}:{after['name']}"


def _s3_bucket(lk: Lookup, after: dict[str, Any]) -> str | None:
    prefix = after.get("bucket") or after.get("bucket_prefix")
    if not prefix:
        return None
    s3, found = lk.client("s3"), []
    for b in s3.list_buckets()["Buckets"]:
        name = b["Name"]
        if name == prefix or (not after.get("bucket") and name.startswith(prefix)):
            with contextlib.suppress(Exception):
                tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
                if all(tags.get(k) == v for k, v in lk.tags.items()) and name not in lk.taken:
                    found.append(name)
    return found[0] if len(found) == 1 else None


def _ecs_service(lk: Lookup, after: dict[str, Any]) -> str | None:
    cluster, name = after.get("cluster"), after.get("name")
    if not cluster or not name:
        return None
    services = lk.client("ecs").describe_services(cluster=cluster, services=[name])["services"]
    if any(s["status"] == "ACTIVE" for s in services):
        return f"{cluster.rsplit('/', 1)[-1]}/{name}"
    return None


def _listener(lk: Lookup, after: dict[str, Any]) -> str | None:
    if not after.get("load_balancer_arn"):
        return None
    listeners = lk.client("elbv2").describe_listeners(LoadBalancerArn=after["load_balancer_arn"])
    ports = [x["ListenerArn"] for x in listeners["Listeners"] if x["Port"] == after.get("port")]
    return ports[0] if len(ports) == 1 else None


def _vpc(lk: Lookup, after: dict[str, Any]) -> str | None:
    cidr = [{"Name": "cidr", "Values": [after["cidr_block"]]}] if after.get("cidr_block") else []
    return lk.ec2_one("describe_vpcs", "Vpcs", "VpcId", cidr, after)


def _subnet(lk: Lookup, after: dict[str, Any]) -> str | None:
    if not after.get("vpc_id"):
        return None
    where = [{"Name": "vpc-id", "Values": [after["vpc_id"]]},
             {"Name": "cidr-block", "Values": [after["cidr_block"]]}]  # fmt: skip
    return lk.ec2_one("describe_subnets", "Subnets", "SubnetId", where, after)


def _security_group(lk: Lookup, after: dict[str, Any]) -> str | None:
    if not after.get("vpc_id") or not after.get("name"):
        return None
    where = [{"Name": "vpc-id", "Values": [after["vpc_id"]]},
             {"Name": "group-name", "Values": [after["name"]]}]  # fmt: skip
    return lk.ec2_one("describe_security_groups", "SecurityGroups", "GroupId", where, after)


def _igw(lk: Lookup, after: dict[str, Any]) -> str | None:
    if not after.get("vpc_id"):
        return None
    where = [{"Name": "attachment.vpc-id", "Values": [after["vpc_id"]]}]
    return lk.ec2_one(
        "describe_internet_gateways", "InternetGateways", "InternetGatewayId", where, after
    )


def _nat_gateway(lk: Lookup, after: dict[str, Any]) -> str | None:
    if not after.get("subnet_id"):
        return None
    where = [{"Name": "subnet-id", "Values": [after["subnet_id"]]},
             {"Name": "state", "Values": ["pending", "available"]}]  # fmt: skip
    return lk.ec2_one("describe_nat_gateways", "NatGateways", "NatGatewayId", where, after)


def _eip(lk: Lookup, after: dict[str, Any]) -> str | None:
    return lk.ec2_one("describe_addresses", "Addresses", "AllocationId", [], after)


def _oidc(lk: Lookup, after: dict[str, Any]) -> str | None:
    iam, url = lk.client("iam"), str(after.get("url") or "").removeprefix("https://")
    for item in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=item["Arn"])
        if url and str(got["Url"]).removeprefix("https://") == url:
            return str(item["Arn"])
    return None


def _flow_log(lk: Lookup, after: dict[str, Any]) -> str | None:
    if not after.get("vpc_id"):
        return None
    where = [{"Name": "resource-id", "Values": [after["vpc_id"]]}]
    logs = lk.client("ec2").describe_flow_logs(Filters=where)["FlowLogs"]
    ids = [f["FlowLogId"] for f in logs if f["FlowLogId"] not in lk.taken]
    return ids[0] if len(ids) == 1 else None


def _sg_rule(egress: bool) -> Callable[[Lookup, dict[str, Any]], str | None]:
    def finder(lk: Lookup, after: dict[str, Any]) -> str | None:
        if not after.get("security_group_id"):
            return None
        where = [{"Name": "group-id", "Values": [after["security_group_id"]]}]
        rules = lk.client("ec2").describe_security_group_rules(Filters=where)["SecurityGroupRules"]
        ids = [r["SecurityGroupRuleId"] for r in rules
               if r["IsEgress"] == egress and _same_rule(r, after)]  # fmt: skip
        return ids[0] if len(ids) == 1 else None

    return finder


def _same_rule(rule: dict[str, Any], after: dict[str, Any]) -> bool:
    peer = (rule.get("ReferencedGroupInfo") or {}).get("GroupId")
    return (
        str(rule.get("IpProtocol")) == str(after.get("ip_protocol"))
        and rule.get("FromPort") == after.get("from_port")
        and rule.get("ToPort") == after.get("to_port")
        and peer == after.get("referenced_security_group_id")
        and rule.get("CidrIpv4") == after.get("cidr_ipv4")
        and rule.get("PrefixListId") == after.get("prefix_list_id")
    )


def _ecs_cluster(lk: Lookup, after: dict[str, Any]) -> str | None:
    clusters = lk.client("ecs").describe_clusters(clusters=[after["name"]])["clusters"]
    return str(after["name"]) if any(c["status"] == "ACTIVE" for c in clusters) else None


def _schedule(lk: Lookup, after: dict[str, Any]) -> str | None:
    group = after.get("group_name") or "default"
    lk.client("scheduler").get_schedule(Name=after["name"], GroupName=group)
    return f"{group}/{after['name']}"


def _route_table_association(lk: Lookup, after: dict[str, Any]) -> str | None:
    """A subnet the cut-off apply already tied to a route table: adopted, then moved to the
    planned table by Terraform (the orphan table itself costs nothing)."""
    if not after.get("subnet_id"):
        return None
    where = [{"Name": "association.subnet-id", "Values": [after["subnet_id"]]}]
    tables = lk.client("ec2").describe_route_tables(Filters=where)["RouteTables"]
    return f"{after['subnet_id']}/{tables[0]['RouteTableId']}" if len(tables) == 1 else None


def _vpc_endpoint(lk: Lookup, after: dict[str, Any]) -> str | None:
    if not after.get("vpc_id"):
        return None
    where = [{"Name": "vpc-id", "Values": [after["vpc_id"]]},
             {"Name": "service-name", "Values": [after["service_name"]]}]  # fmt: skip
    return lk.ec2_one("describe_vpc_endpoints", "VpcEndpoints", "VpcEndpointId", where, after)


FINDERS: dict[str, Callable[[Lookup, dict[str, Any]], str | None]] = {
    "aws_iam_role": _by_name("iam", "get_role", "RoleName"),
    "aws_iam_user": _by_name("iam", "get_user", "UserName"),
    "aws_iam_role_policy": _role_policy,
    "aws_cloudwatch_log_group": _log_group,
    "aws_kms_alias": _kms_alias,
    "aws_kms_key": _kms_key,
    "aws_ecr_repository": _by_name("ecr", "describe_repositories", "repositoryNames", listy=True),
    "aws_db_instance": _by_name(
        "rds", "describe_db_instances", "DBInstanceIdentifier", "identifier"
    ),
    "aws_db_subnet_group": _by_name("rds", "describe_db_subnet_groups", "DBSubnetGroupName"),
    "aws_db_parameter_group": _by_name(
        "rds", "describe_db_parameter_groups", "DBParameterGroupName"
    ),
    "aws_db_proxy": _by_name("rds", "describe_db_proxies", "DBProxyName"),
    "aws_elasticache_subnet_group": _by_name(
        "elasticache", "describe_cache_subnet_groups", "CacheSubnetGroupName"
    ),
    "aws_elasticache_replication_group": _by_name(
        "elasticache", "describe_replication_groups", "ReplicationGroupId", "replication_group_id"
    ),
    "aws_lambda_function": _by_name("lambda", "get_function", "FunctionName", "function_name"),
    "aws_lb": _by_name(
        "elbv2",
        "describe_load_balancers",
        "Names",
        listy=True,
        arn=("LoadBalancers", "LoadBalancerArn"),
    ),
    "aws_lb_target_group": _by_name(
        "elbv2",
        "describe_target_groups",
        "Names",
        listy=True,
        arn=("TargetGroups", "TargetGroupArn"),
    ),
    "aws_lb_listener": _listener,
    "aws_ecs_service": _ecs_service,
    "aws_s3_bucket": _s3_bucket,
    "aws_vpc": _vpc,
    "aws_subnet": _subnet,
    "aws_security_group": _security_group,
    "aws_internet_gateway": _igw,
    "aws_nat_gateway": _nat_gateway,
    "aws_eip": _eip,
    "aws_iam_openid_connect_provider": _oidc,
    "aws_flow_log": _flow_log,
    "aws_vpc_security_group_ingress_rule": _sg_rule(False),
    "aws_vpc_security_group_egress_rule": _sg_rule(True),
    "aws_ecs_cluster": _ecs_cluster,
    "aws_scheduler_schedule": _schedule,
    "aws_route_table_association": _route_table_association,
    "aws_vpc_endpoint": _vpc_endpoint,
}
