"""The DNS side of `skylift cutover` on a moto server, without a database: the TTL lowered and
waited for, the health check on the old host's record, DNS outside Route 53 (printed steps and
the resolving check), and the forwarder each kind of old host gets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skylift.cloud import moto_server
from skylift.cutover import Options, Setup, cutover, forward
from skylift.cutover.front import Front
from skylift.errors import CutoverStopped, InfraError, UsageError

from ._cutover_env import OLD_IP, Health, balancer, client, make_setup, weights

FAST = Options(soak=0.2, poll=0.1)


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("moto")
    yield moto_server.start(folder).url
    moto_server.stop(folder)


@pytest.fixture(scope="module")
def alb(moto: str) -> tuple[Front, str]:
    return balancer(moto)


def no_db(moto: str, alb: tuple[Front, str], root: Path, ttl: int = 1) -> Setup:
    setup = make_setup(moto, root, alb[0], alb[1], root / "none.db", "", ttl=ttl)
    setup.source_url = setup.target_url = None
    setup.database = False
    return setup


def test_a_long_ttl_is_lowered_then_waited_for(moto: str, alb: tuple[Front, str], tmp_path: Path) -> None:  # fmt: skip
    setup = no_db(moto, alb, tmp_path, ttl=3600)
    prepared = cutover(setup, Options(prepare=True))
    assert not prepared.finished and "TTL lowered from 3600 s" in prepared.notes[0]
    r53 = client(moto, "route53")
    found = r53.list_resource_record_sets(HostedZoneId=setup.zone_id)["ResourceRecordSets"]
    assert [r["TTL"] for r in found if r["Name"] == setup.domain + "."] == [60]
    with pytest.raises(CutoverStopped, match="lowered less than one old TTL ago") as stopped:
        cutover(setup, FAST)
    assert "run `skylift cutover` after" in stopped.value.fix
    assert weights(setup) == {}  # nothing moved


def test_the_old_record_gets_a_health_check(moto: str, alb: tuple[Front, str], tmp_path: Path) -> None:  # fmt: skip
    setup = no_db(moto, alb, tmp_path)
    moved = cutover(setup, FAST)
    assert moved.finished and moved.traffic == {"aws": 100, "old": 0}
    r53 = client(moto, "route53")
    records = {r.get("SetIdentifier"): r for r in r53.list_resource_record_sets(
        HostedZoneId=setup.zone_id)["ResourceRecordSets"] if r["Name"] == f"{setup.domain}."}  # fmt: skip
    old, new = records["skylift-old"], records["skylift-aws"]
    assert old["ResourceRecords"] == [{"Value": OLD_IP}] and old["TTL"] == 60
    assert new["AliasTarget"]["DNSName"].rstrip(".") == alb[0].dns_name
    check = r53.get_health_check(HealthCheckId=old["HealthCheckId"])["HealthCheck"]
    assert check["HealthCheckConfig"]["IPAddress"] == OLD_IP
    assert check["HealthCheckConfig"]["ResourcePath"] == "/health"
    assert None not in records  # the plain record is gone: weighted records only


@pytest.fixture
def health() -> Iterator[Health]:
    server = Health()
    yield server
    server.close()


def test_dns_outside_route53_prints_the_records_and_checks_them(moto: str, alb: tuple[Front, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, health: Health) -> None:  # fmt: skip
    for key, value in moto_server.CREDENTIALS.items():  # --target aws: the usual credentials
        monkeypatch.setenv(key, value)
    setup = no_db(moto, alb, tmp_path)
    setup.zone_id, setup.domain, setup.target = None, "www.shop.invalid", "aws"
    setup.target_group = None  # moto runs no tasks: no target to be healthy
    # on AWS the health path is checked through the front (a local server stands in for it)
    setup.front = Front("127.0.0.1", alb[0].zone_id, "alb", "/health", port=health.port)
    with pytest.raises(CutoverStopped, match="does not point at the load balancer yet") as stopped:
        cutover(setup, FAST)
    assert "CNAME www.shop.invalid -> 127.0.0.1, TTL 60" in stopped.value.fix
    assert ("www.shop.invalid", "/health") in health.hosts  # as the domain, through the front
    # the name now resolves where the load balancer's name resolves: the rerun finishes
    setup.domain = "localhost"
    setup.front = Front("localhost", alb[0].zone_id, "alb", "/health", port=health.port)
    moved = cutover(setup, FAST)
    assert moved.finished and [s["step"] for s in moved.steps][-2:] == ["dns-switch", "finished"]
    assert any("set the TTL of www.shop.invalid's record to 60 s" in s for s in moved.dns_steps)


def test_a_rehearsal_outside_route53_prints_the_switch_and_goes_on(moto: str, alb: tuple[Front, str], tmp_path: Path) -> None:  # fmt: skip
    setup = no_db(moto, alb, tmp_path)
    setup.zone_id, setup.domain = None, "www.shop.invalid"
    moved = cutover(setup, FAST)
    assert moved.finished and "rehearsed" in moved.steps[-2]
    assert any("CNAME www.shop.invalid" in s for s in moved.dns_steps)


def test_an_app_whose_database_cannot_be_reached_never_switches(moto: str, alb: tuple[Front, str], tmp_path: Path) -> None:  # fmt: skip
    setup = no_db(moto, alb, tmp_path)
    setup.database, setup.source_url = True, str(tmp_path / "none.db")
    with pytest.raises(UsageError, match="the new database's URL is not known") as refused:
        cutover(setup, FAST)
    assert "SKYLIFT_TARGET_DATABASE_URL" in refused.value.fix
    assert weights(setup) == {}


def test_an_aws_call_refused_is_one_message(moto: str, alb: tuple[Front, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    setup = no_db(moto, alb, tmp_path)
    setup.target = "aws"  # no credentials at all
    with pytest.raises(InfraError, match="an AWS call failed on the aws target") as failed:
        cutover(setup, FAST)
    assert "credentials" in failed.value.why.lower()


def test_each_old_host_gets_its_forwarder(tmp_path: Path) -> None:
    kw = {"app": "gengar", "port": 3000, "domain": "app.example.com",
          "lb_dns": "lb-1.us-east-1.elb.amazonaws.com", "out_dir": tmp_path / "out"}  # fmt: skip
    heroku = forward.choose(tmp_path, host="heroku", https=True, **kw)  # type: ignore[arg-type]
    assert heroku.commands == [
        'heroku config:set -a gengar DATABASE_URL="$SKYLIFT_TARGET_DATABASE_URL"'
    ]
    (tmp_path / "nginx").mkdir()
    (tmp_path / "nginx" / "site.conf").write_text(
        "server { location / { proxy_pass http://127.0.0.1:3000; } }\n")  # fmt: skip
    nginx = forward.choose(tmp_path, host="vps-compose", https=True, **kw)  # type: ignore[arg-type]
    assert nginx.kind == "nginx" and "nginx/site.conf" in nginx.why
    snippet = Path(str(nginx.file)).read_text()
    assert "proxy_pass https://lb-1.us-east-1.elb.amazonaws.com;" in snippet
    assert (
        "proxy_set_header Host app.example.com;" in snippet
        and "proxy_ssl_server_name on;" in snippet
    )
    other = forward.choose(tmp_path / "out", host="fly", https=False, **kw)  # type: ignore[arg-type]
    assert (
        other.text == "socat TCP-LISTEN:3000,fork,reuseaddr TCP:lb-1.us-east-1.elb.amazonaws.com:80"
    )


def test_one_cutover_at_a_time(moto: str, alb: tuple[Front, str], tmp_path: Path) -> None:
    from skylift.cutover.journal import Journal

    setup = no_db(moto, alb, tmp_path)
    with Journal.at(tmp_path, "local", "prod").lock(), pytest.raises(UsageError, match="another skylift cutover"):  # fmt: skip
        cutover(setup, FAST)
    assert cutover(setup, FAST).finished  # the lock went with its holder


def test_the_forward_command_runs_and_a_failing_one_stops_before_the_traffic(moto: str, alb: tuple[Front, str], tmp_path: Path) -> None:  # fmt: skip
    setup = no_db(moto, alb, tmp_path)
    failing = Options(
        soak=0.2, poll=0.1, forward_command="sh -c 'echo no route to old >&2; exit 3'"
    )
    with pytest.raises(UsageError, match="the forward command failed") as stopped:
        cutover(setup, failing)
    assert "no route to old" in stopped.value.why and weights(setup) == {}
    marker = tmp_path / "forwarding"
    moved = cutover(setup, Options(soak=0.2, poll=0.1, forward_command=f"touch {marker}"))
    assert moved.finished and marker.exists()


def test_steps_are_percentages_ending_at_100() -> None:
    assert Options(steps=[50, 10, 100]).percents() == [10, 50, 100]
    assert Options(single=True).percents() == [100]
    for bad in ([10, 50], [0, 100], [10, 150]):
        with pytest.raises(UsageError, match="--steps"):
            Options(steps=bad).percents()


def test_on_aws_a_load_balancer_without_a_task_stops_the_preflight(moto: str, alb: tuple[Front, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    for key, value in moto_server.CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    setup = no_db(moto, alb, tmp_path)
    setup.target = "aws"
    with pytest.raises(CutoverStopped, match="no task is registered with the load balancer"):
        cutover(setup, FAST)
    assert weights(setup) == {}
