"""Go: go.mod and Go code, one behaviour per test."""

from __future__ import annotations

import pytest

GO_MOD = """module github.com/acme/shop

go 1.22

require (
{requires}
)
"""


def go_app(scan_files, modules: list[str], files: dict[str, str] | None = None):
    requires = "\n".join(f"\t{m} v1.2.3" for m in modules)
    return scan_files({"go.mod": GO_MOD.format(requires=requires), **(files or {})})


def test_version_and_name(scan_files) -> None:
    p = go_app(scan_files, ["github.com/gin-gonic/gin"])
    assert (p.name, p.runtime.value, str(p.runtime.evidence[0])) == (
        "shop",
        {"language": "go", "version": "1.22"},
        "go.mod:3",
    )


@pytest.mark.parametrize(
    ("module", "framework"),
    [
        ("github.com/gin-gonic/gin", "gin"),
        ("github.com/labstack/echo/v4", "echo"),
        ("github.com/gofiber/fiber/v2", "fiber"),
    ],
)
def test_framework(scan_files, module, framework) -> None:
    assert go_app(scan_files, [module]).framework.value == framework


def test_gorm_with_lib_pq(scan_files) -> None:
    db = go_app(
        scan_files, ["gorm.io/gorm", "gorm.io/driver/postgres", "github.com/lib/pq"]
    ).databases[0]
    assert (db.engine, db.driver, db.orm) == ("postgresql", "lib/pq", "gorm")


def test_go_redis_cache(scan_files) -> None:
    assert go_app(scan_files, ["github.com/redis/go-redis/v9"]).cache.value == {
        "engine": "redis",
        "client": "go-redis",
    }


def test_versioned_module_path_matches(scan_files) -> None:
    assert [
        a.value for a in go_app(scan_files, ["github.com/stripe/stripe-go/v76"]).outbound_apis
    ] == ["stripe"]


def test_port_default_after_getenv(scan_files) -> None:
    main = 'package main\n\nfunc main() {\n\tport := os.Getenv("PORT")\n\tif port == "" {\n\t\tport = "9090"\n\t}\n}\n'
    p = go_app(scan_files, ["github.com/gin-gonic/gin"], {"main.go": main})
    assert (p.port.value, str(p.port.evidence[0])) == (9090, "main.go:6")
    assert [e.name for e in p.env] == ["PORT"]


def test_robfig_cron_job(scan_files) -> None:
    code = 'package jobs\n\nfunc Start() {\n\tc := cron.New()\n\tc.AddFunc("@every 5m", sweep)\n}\n'
    job = go_app(scan_files, ["github.com/robfig/cron/v3"], {"jobs/jobs.go": code}).jobs[0]
    assert (job.kind, job.schedule, str(job.evidence[0])) == ("cron", "@every 5m", "jobs/jobs.go:5")


def test_gin_health_route(scan_files) -> None:
    code = 'package main\n\nfunc routes(r *gin.Engine) {\n\tr.GET("/health", ok)\n}\n'
    assert (
        go_app(scan_files, ["github.com/gin-gonic/gin"], {"main.go": code}).health_path.value
        == "/health"
    )


def test_golang_migrate_from_up_files(scan_files) -> None:
    p = go_app(
        scan_files,
        ["github.com/jackc/pgx/v5"],
        {"migrations/0001_init.up.sql": "CREATE TABLE t (id int);\n"},
    )
    assert p.databases[0].migration_tool == "golang-migrate"


def test_gin_setcookie_insecure(scan_files) -> None:
    code = 'package main\n\nfunc login(c *gin.Context) {\n\tc.SetCookie("sid", token, 3600, "/", "", false, true)\n}\n'
    findings = {
        f.code for f in go_app(scan_files, ["github.com/gin-gonic/gin"], {"main.go": code}).findings
    }
    assert "cookie-not-secure" in findings


def test_cmd_tools_are_one_off_commands(scan_files) -> None:
    p = go_app(
        scan_files,
        ["github.com/gin-gonic/gin"],
        {"cmd/server/main.go": "package main\n", "cmd/seed/main.go": "package main\n"},
    )
    assert [(j.kind, j.command) for j in p.jobs] == [("one-off", "go run ./cmd/seed")]
