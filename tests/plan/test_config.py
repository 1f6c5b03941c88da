"""skylift.toml: written on the first run, re-read on every run, never overwriting an edit.
Precedence: CLI flag (written back) > skylift.toml > derived default."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from skylift.errors import ConfigError
from skylift.plan import plan
from tests.plan import profiles


def run(root: Path, **cli: object):  # type: ignore[no-untyped-def]
    return plan(
        root,
        {f"app.{k}": v for k, v in cli.items()},
        profile=profiles.pantrypal(str(root)),
        write_reports=False,
    )


def read(root: Path) -> dict:  # type: ignore[type-arg]
    return tomllib.loads((root / "skylift.toml").read_text())


def test_first_run_writes_every_setting_with_comments(tmp_path: Path) -> None:
    r = run(tmp_path)
    assert r.config_created
    doc = read(tmp_path)
    assert doc["app"] == {
        "name": "pantrypal",
        "tier": "starter",
        "compute": "fargate",
        "region": "us-east-1",
        "domain": "",
        "route53_zone_id": "",
        "dns_delegated": False,
        "cdn": "auto",
        "email": "auto",
        "staging": False,
    }
    assert doc["sizes"]["desired_count"] == 1 and doc["sizes"]["nat_gateways"] == 0
    text = (tmp_path / "skylift.toml").read_text()
    assert "# starter | production" in text and "CLI" not in text.split("\n")[0]


def test_rerun_changes_nothing(tmp_path: Path) -> None:
    run(tmp_path)
    before = (tmp_path / "skylift.toml").read_text()
    assert run(tmp_path).config_changed == []
    assert (tmp_path / "skylift.toml").read_text() == before


def test_user_edit_is_kept_with_its_comment_and_wins(tmp_path: Path) -> None:
    run(tmp_path)
    f = tmp_path / "skylift.toml"
    f.write_text(f.read_text().replace("memory = 512", "memory = 1024  # the app needs it"))
    r = run(tmp_path, tier="production")
    assert r.plan.config.sizes.memory == 1024
    assert r.plan.config.origins["sizes.memory"] == "file"
    assert "memory = 1024  # the app needs it" in f.read_text()


def test_cli_flag_wins_and_is_written_back(tmp_path: Path) -> None:
    run(tmp_path)
    r = run(tmp_path, tier="production", region="eu-west-1")
    assert r.plan.config.origins["app.tier"] == "cli"
    doc = read(tmp_path)
    assert doc["app"]["tier"] == "production" and doc["app"]["region"] == "eu-west-1"
    # values that followed the starter default now follow the production default
    assert doc["sizes"]["desired_count"] == 2 and doc["sizes"]["db_multi_az"] is True
    # the next run, without flags, remembers
    assert run(tmp_path).plan.blueprint.tier == "production"


def test_missing_keys_are_added_others_untouched(tmp_path: Path) -> None:
    (tmp_path / "skylift.toml").write_text('# mine\n[app]\ntier = "production"\n')
    r = run(tmp_path)
    text = (tmp_path / "skylift.toml").read_text()
    assert text.startswith('# mine\n[app]\ntier = "production"\n')
    assert "sizes.cpu" in r.config_changed and "app.tier" not in r.config_changed
    assert read(tmp_path)["sizes"]["desired_count"] == 2


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[app]\ntier = "enterprise"\n', "invalid app.tier = 'enterprise'"),
        ("[sizes]\ncpu = 0.25\nmemory = 4096\n", "invalid sizes.memory = 4096"),
        ('[sizes]\ndesired_count = "two"\n', "'sizes.desired_count' must be a whole number"),
        ("[sizez]\ncpu = 1\n", "unknown setting 'sizez.cpu'"),
        ("[app\n", "is not valid TOML"),
        ("[sizes]\nmin_count = 3\n", "invalid sizes.desired_count"),
        ('[app]\nregion = "mars-1"\n', "invalid app.region"),
        ('[app]\nregion = "ap-south-2"\n', "no price file for region ap-south-2"),
        ('[app]\nname = "nestjs-prisma-client-starter"\n', "invalid app.name"),
    ],
)
def test_bad_settings_get_one_clear_message(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "skylift.toml").write_text(toml)
    with pytest.raises(ConfigError) as exc:
        run(tmp_path)
    assert message in exc.value.what
    assert exc.value.fix and exc.value.exit_code == 7


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    (tmp_path / "skylift.toml").write_text("[sizes]\ndesired_cont = 2\n")
    with pytest.raises(ConfigError) as exc:
        run(tmp_path)
    assert "sizes.desired_count" in exc.value.fix


@pytest.mark.parametrize(
    "name", ["miguelgrinberg+microblog", "nestjs-prisma-client-starter", "a" * 60, "My App!"]
)
def test_a_long_app_name_is_shortened_to_fit_every_aws_name(name: str) -> None:
    from skylift.plan.derive import slug

    short = slug(name)
    # "<app>-staging-alb-logs-" is the longest: an S3 bucket prefix holds 37 characters
    assert len(f"{short}-staging-alb-logs-") <= 37 and len(f"{short}-staging") <= 32
    assert short == slug(name) and short[0].isalnum() and short != slug(name + "x")
