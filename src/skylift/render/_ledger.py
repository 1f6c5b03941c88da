"""The ledger between the plan's cost table and the generated Terraform.

Every Terraform resource skylift generates is either claimed by a Blueprint resource (which
plan/cost.py prices: `Resource.terraform` names what it is built as) or of a type that costs
nothing, listed in FREE with the reason. `check` runs on every render, so a template that adds
a billable resource the plan does not price fails at once; tests/render/test_ledger.py plans
the Terraform of a matrix of apps and checks the same on what Terraform would create, counts
and sizes included.
"""

from __future__ import annotations

import re

from skylift.plan.blueprint import Blueprint

FREE: dict[str, str] = {
    # network
    "aws_vpc": "a VPC has no charge",
    "aws_subnet": "subnets have no charge",
    "aws_internet_gateway": "an internet gateway has no charge (data transfer is priced)",
    "aws_route_table": "route tables have no charge",
    "aws_route": "routes have no charge",
    "aws_route_table_association": "route table associations have no charge",
    "aws_default_security_group": "security groups have no charge",
    "aws_security_group": "security groups have no charge",
    "aws_vpc_security_group_ingress_rule": "security group rules have no charge",
    "aws_vpc_security_group_egress_rule": "security group rules have no charge",
    # by address: the interface endpoints (aws_vpc_endpoint.interface) are priced (vpc_endpoints)
    "aws_vpc_endpoint.s3": "the S3 gateway endpoint: gateway endpoints are free",
    # load balancer
    "aws_lb_target_group": "billed through the load balancer's hours and LCUs",
    "aws_lb_listener": "billed through the load balancer's hours and LCUs",
    # compute
    "aws_ecs_cluster": "a cluster has no charge; Container Insights on it is priced "
    "(container_insights) when enabled",
    "aws_ecs_cluster_capacity_providers": "capacity providers have no charge; Spot tasks are "
    "priced with their service",
    "aws_ecs_task_definition": "a task definition has no charge; its tasks are priced with "
    "their service or schedule",
    "aws_cloudwatch_event_rule": "EventBridge does not charge for AWS service events on the "
    "default bus (rotation.tf matches the RDS password's rotation)",
    "aws_cloudwatch_event_target": "a target has no charge; the restart task it starts runs "
    "about a minute per rotation (every 7 days): well under a cent a month",
    "aws_sfn_state_machine": "compute = lambda: the rotation's rollout is a standard workflow "
    "of 4 state transitions per rotation (every 7 days), $0.025 per 1,000: well under a cent",
    "aws_appautoscaling_target": "Application Auto Scaling has no charge",
    "aws_appautoscaling_policy": "Application Auto Scaling has no charge",
    "aws_ecr_lifecycle_policy": "a lifecycle policy has no charge",
    # configuration of priced resources
    "aws_kms_alias": "an alias has no charge (the key is priced)",
    "aws_s3_bucket_versioning": "bucket configuration (old versions are within the storage "
    "assumption)",
    "aws_s3_bucket_server_side_encryption_configuration": "bucket configuration",
    "aws_s3_bucket_public_access_block": "bucket configuration",
    "aws_s3_bucket_lifecycle_configuration": "bucket configuration",
    "aws_s3_bucket_policy": "bucket configuration",
    "aws_db_subnet_group": "database configuration",
    "aws_db_parameter_group": "database configuration",
    "aws_elasticache_subnet_group": "cache configuration",
    "aws_wafv2_web_acl_association": "the web ACL is priced",
    "aws_wafv2_web_acl_logging_configuration": "the WAF log group is priced (waf_logs)",
    # compute = "lambda" (plan/_serverless.py prices the API, the function, the proxy)
    "aws_apigatewayv2_integration": "billed through the API's requests",
    "aws_apigatewayv2_route": "billed through the API's requests",
    "aws_apigatewayv2_stage": "billed through the API's requests (its access logs are priced: "
    "apigw_logs)",
    "aws_apigatewayv2_domain_name": "a custom domain on an HTTP or WebSocket API has no charge",
    "aws_apigatewayv2_api_mapping": "an API mapping has no charge",
    "aws_network_interface": "a network interface has no charge (the NAT instance's address "
    "is priced: public_ipv4)",
    "aws_lambda_alias": "an alias has no charge; the function's invocations are priced",
    "aws_lambda_permission": "a resource policy statement has no charge",
    "aws_ecr_repository_policy": "a repository policy has no charge",
    "aws_db_proxy_default_target_group": "billed through the proxy's vCPU-hours",
    "aws_db_proxy_target": "billed through the proxy's vCPU-hours",
    # identity, notification, certificates, DNS records
    "aws_iam_role": "IAM has no charge",
    "aws_iam_role_policy": "IAM has no charge",
    "aws_iam_openid_connect_provider": "IAM has no charge",
    "aws_sns_topic": "alarm and budget mail stays within SNS's free tier (1 million publishes "
    "and 1,000 e-mails a month)",
    "aws_sns_topic_subscription": "within SNS's free tier",
    "aws_sns_topic_policy": "a topic policy has no charge",
    "aws_acm_certificate": "public certificates used with a load balancer or CloudFront are free",
    "aws_acm_certificate_validation": "not an AWS resource: Terraform waits for the certificate",
    "aws_route53_record": "records in a hosted zone have no charge; alias queries to the load "
    "balancer are free",
    # the edge (cdn.tf): the distribution is priced (cloudfront)
    "aws_cloudfront_cache_policy": "CloudFront policies have no charge",
    "aws_cloudfront_response_headers_policy": "CloudFront policies have no charge",
    # e-mail (ses.tf): messages are priced (ses)
    "aws_sesv2_configuration_set": "a configuration set has no charge",
    "aws_sesv2_configuration_set_event_destination": "event publishing to SNS has no SES "
    "charge; bounce and complaint notifications stay within SNS's free tier",
    "aws_sesv2_email_identity_mail_from_attributes": "identity configuration",
    "aws_iam_user": "IAM has no charge (the SES SMTP user)",
    "aws_iam_user_policy": "IAM has no charge",
}

# Rendered in every app; their count is 0 unless the Blueprint has the resource that claims
# them (a NAT gateway only when sizes.nat_gateways > 0, a hosted zone only for a domain whose
# zone is not in the account, a NAT instance only when var.nat_instance: with Lambda, dev and
# staging take one when prod has NAT gateways).
GATED = (
    "aws_nat_gateway.main",
    "aws_eip.nat",
    "aws_route53_zone.main",
    "aws_instance.nat",
    "aws_eip.nat_instance",
)

_RESOURCE = re.compile(r'^resource "(\w+)" "(\w+)"', re.M)


class LedgerError(AssertionError):
    """The Terraform and the cost table disagree: a bug in skylift, never the user's doing."""


def claims(bp: Blueprint) -> dict[str, list[str]]:
    """Terraform address (type.name) -> the Blueprint resources that price it."""
    out: dict[str, list[str]] = {}
    for r in bp.resources:
        for address in r.terraform:
            out.setdefault(address, []).append(r.key)
    return out


def declared(files: dict[str, str]) -> set[str]:
    """Every `resource "type" "name"` in the generated .tf files."""
    return {
        f"{m.group(1)}.{m.group(2)}"
        for rel, text in files.items()
        if rel.endswith(".tf")
        for m in _RESOURCE.finditer(text)
    }


def check(bp: Blueprint, files: dict[str, str]) -> None:
    """Raise LedgerError unless every generated resource is priced or free, and every priced
    resource that Terraform builds is generated."""
    found = declared(files)
    claimed = claims(bp)
    unpriced = sorted(
        a
        for a in found
        if a not in claimed and a.split(".")[0] not in FREE and a not in FREE and a not in GATED
    )
    provisioned = {a for r in bp.resources if r.provisioned for a in r.terraform}
    missing = sorted(provisioned - found)
    caused_by = {a for r in bp.resources if not r.provisioned for a in r.terraform}
    dangling = sorted(caused_by - found)
    if unpriced or missing or dangling:
        raise LedgerError(
            "the generated Terraform and the cost table disagree: "
            + "; ".join(
                f"{what}: {', '.join(items)}"
                for what, items in (
                    ("generated but not priced", unpriced),
                    ("priced but not generated", missing),
                    ("billed for resources that are not generated", dangling),
                )
                if items
            )
        )
