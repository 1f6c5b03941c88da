"""The edge in front of the load balancer: CloudFront with a WAF web ACL of CloudFront scope.

An app that serves static assets (a Next.js build, an SPA bundle) at the production tier with a
domain gets CloudFront by default (skylift.toml app.cdn = "auto"): the assets are cached at the
edge for a year, dynamic and authenticated pages pass through uncached, and the WAF filters
requests before they cross the internet to the region. The starter tier keeps the load balancer
alone. Only CloudFront reaches the load balancer then (the AWS-managed prefix list of
CloudFront's origin-facing addresses), and the WAF moves from the load balancer to CloudFront,
so there is one web ACL, never two.
"""

from __future__ import annotations

from skylift.config import Config
from skylift.plan.blueprint import Blueprint, Decision, Resource
from skylift.scan.model import AppProfile

# content-hashed build output, safe to cache for a year: framework -> path patterns
STATIC_PATHS = {"nextjs": ["/_next/static/*"], "nuxt": ["/_nuxt/*"]}
# an SPA built by a bundler (the build command names it): its hashed bundle folder
SPA_BUILDS = {"vite build": ["/assets/*"], "react-scripts build": ["/static/*"]}
YEAR_SECONDS = 31_536_000
# CloudFront's always-free tier, every month (https://aws.amazon.com/cloudfront/pricing/)
FREE_GB = 1024
FREE_REQUESTS = 10_000_000


def static_paths(profile: AppProfile) -> list[str]:
    framework = str(profile.framework.value) if profile.framework else ""
    if framework in STATIC_PATHS:
        return STATIC_PATHS[framework]
    build = str(profile.build_command.value) if profile.build_command else ""
    return next((paths for cmd, paths in SPA_BUILDS.items() if cmd in build), [])


def wanted(profile: AppProfile, cfg: Config, bp: Blueprint) -> tuple[bool, str]:
    """(CloudFront in front?, why), for the plan's decision."""
    paths = static_paths(profile)
    if cfg.compute != "fargate":
        return False, 'the edge in front of a load balancer: compute = "fargate" only'
    if cfg.cdn == "none":
        return False, 'app.cdn = "none" in skylift.toml'
    if cfg.cdn == "cloudfront":
        return True, 'app.cdn = "cloudfront" in skylift.toml'
    if not paths:
        return False, "the app serves no static build output for an edge cache to keep"
    if cfg.tier != "production":
        return False, (
            "the starter tier keeps the load balancer alone: CloudFront and its WAF add about "
            "$10 a month before the first request"
        )
    if not bp.domain:
        return False, "no domain: CloudFront needs one of yours for its certificate"
    return True, (
        f"the app serves static build output ({', '.join(paths)}) at the production tier with a "
        "domain"
    )


def without_cdn(profile: AppProfile, cfg: Config, bp: Blueprint) -> Decision | None:
    """The plan's word on the edge for an app with static assets that gets no CloudFront."""
    on, why = wanted(profile, cfg, bp)
    if on or not static_paths(profile) or cfg.compute != "fargate":
        return None
    return Decision(
        "the load balancer alone, no CloudFront",
        why,
        {
            'CloudFront + WAF (app.cdn = "cloudfront")': "assets cached at the edge for a "
            "year and the WAF at the edge; the production tier with a domain gets it by default"
        },
    )


def edge(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[Resource]:
    """The CloudFront distribution, or nothing (then _ops.edge gives the ALB its own WAF)."""
    on, why = wanted(profile, cfg, bp)
    if not on:
        return []
    paths = static_paths(profile)
    settings = {
        "origin": "alb",
        "aliases": [bp.domain] if bp.domain else [],
        "static_paths": paths,
        "static_ttl_seconds": YEAR_SECONDS,
        "compress": True,
        "price_class": "PriceClass_100",
        "security_headers": ["Strict-Transport-Security", "X-Content-Type-Options",
                             "X-Frame-Options", "Referrer-Policy"],
        "origin_restriction": "com.amazonaws.global.cloudfront.origin-facing",
        "certificate_region": "us-east-1",
        "free_gb_per_month": FREE_GB,
        "free_requests_per_month": FREE_REQUESTS,
    }  # fmt: skip
    decision = Decision(
        "CloudFront in front of the load balancer, with the WAF at CloudFront",
        f"{why}: {' and '.join(paths) or 'static files'} cached at the edge for a year, pages "
        "and API calls passed to the app uncached, HSTS and the other security headers added "
        "to every response, and the load balancer accepts only CloudFront's addresses",
        {
            "the load balancer alone": "every asset request crosses to the region and reaches "
            "a task; no edge cache",
            "a secret header from CloudFront to the load balancer": "its value would sit in "
            "Terraform state in plain text; the managed prefix list needs no secret",
        },
    )
    return [
        Resource(
            "cloudfront",
            "cloudfront",
            settings,
            decision,
            terraform=["aws_cloudfront_distribution.main"],
        )
    ]


def at_cloudfront(waf: Resource, logs: Resource) -> None:
    """The web ACL moves to CloudFront (scope CLOUDFRONT, in us-east-1): one ACL, not two."""
    waf.settings.update(scope="CLOUDFRONT", attach_to="cloudfront", region="us-east-1")
    waf.decision = Decision(
        "AWS WAF at CloudFront: AWS managed rule groups and a per-IP rate limit",
        "blocks common exploits, known bad inputs and floods at the edge, before they reach "
        "the region, and its rate limit counts each visitor's address (a web ACL on the load "
        "balancer behind CloudFront would see only CloudFront's); the load balancer needs no "
        "web ACL of its own",
        {"a second web ACL on the load balancer": "doubles the WAF bill for traffic the "
         "first one already filtered"},
    )  # fmt: skip
    logs.settings["region"] = "us-east-1"


def domain_proposal(profile: AppProfile, cfg: Config) -> Decision | None:
    """The domain the app answers on today (an nginx server_name), proposed when skylift.toml
    has none: never silently dropped."""
    if cfg.domain or profile.domain is None:
        return None
    found = str(profile.domain.value)
    where = ", ".join(str(e) for e in profile.domain.evidence[:1]) or "the repository"
    return Decision(
        f"no domain yet; the app answers on {found} today ({where})",
        f'set app.domain = "{found}" in skylift.toml (or `skylift plan --domain {found}`): '
        "the plan then adds its certificate, its Route 53 records (and a hosted zone with the "
        "four NS records to set at the registrar, unless app.route53_zone_id names the zone "
        "already in this account) and HTTPS on the load balancer",
        {
            "the load balancer's own name": "what the plan uses until then: plain HTTP on "
            "*.elb.amazonaws.com, and the old host keeps the domain"
        },
    )
