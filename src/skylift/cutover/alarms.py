"""The gate of each traffic step: the CloudWatch alarms the generated Terraform creates (5xx
rate and p95 latency at the load balancer, which CloudFront's requests reach too; on Lambda
the HTTP API's 5xx and the function's errors and p95 duration: alarms.tf), read every few
seconds while a step soaks. One in ALARM ends the step: the caller sends the traffic back."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

GATES = ("http_5xx_rate", "latency_p95")  # the alarm ids (plan/_alarms.py) a step waits on
# compute = "lambda" has no load balancer: the API's answers and the function behind it
LAMBDA_GATES = ("api_5xx", "lambda_errors", "lambda_duration_p95")


@dataclass(frozen=True)
class Firing:
    name: str
    reason: str


def names(app: str, environment: str, specs: list[dict[str, Any]], front: str = "alb") -> list[str]:
    """The alarm names alarms.tf gives the gates of this front: `<app>-<env>-<name>`."""
    gates = LAMBDA_GATES if front == "apigw" else GATES
    return [f"{app}-{environment}-{a['name']}" for a in specs if a["id"] in gates]


def firing(cw: Any, alarm_names: list[str]) -> tuple[list[Firing], list[str]]:
    """The alarms in ALARM, and the names CloudWatch does not know."""
    if not alarm_names:
        return [], []
    found = cw.describe_alarms(AlarmNames=alarm_names)["MetricAlarms"]
    known = {a["AlarmName"] for a in found}
    hot = [
        Firing(a["AlarmName"], str(a.get("StateReason") or "")[:200])
        for a in found
        if a["StateValue"] == "ALARM"
    ]
    return hot, [n for n in alarm_names if n not in known]


def soak(cw: Any, alarm_names: list[str], seconds: float, *, interval: float = 5.0,
         say: Callable[[str], None] = lambda _m: None) -> list[Firing]:  # fmt: skip
    """Hold for `seconds`, reading the alarms; the first alarm in ALARM ends the hold."""
    deadline = time.monotonic() + seconds
    while True:
        hot, _missing = firing(cw, alarm_names)
        if hot:
            return hot
        left = deadline - time.monotonic()
        if left <= 0:
            return []
        say(f"soaking: {left:.0f}s left, alarms OK")
        time.sleep(min(interval, left))
