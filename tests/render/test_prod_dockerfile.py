"""A repository with a development Dockerfile and a production one: scan chooses the production
one (what docker-compose.prod.yml builds, or a Dockerfile named for production), says why, and
CI, the rehearsal's build and the plan all use that one."""

from __future__ import annotations

from pathlib import Path

from skylift.config import resolve
from skylift.plan import derive
from skylift.rehearse import image
from skylift.render import render_files
from skylift.scan import scan
from tests.scan.conftest import package_json, write

DEV = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["npm", "run", "dev"]\n'
PROD = (
    "FROM node:20-alpine AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
    'FROM build AS production\nENV NODE_ENV=production\nCMD ["node", "server.js"]\n'
    'FROM build AS debug\nCMD ["node", "--inspect", "server.js"]\n'
)
APP = {
    "package.json": package_json(
        {"express": "4", "pg": "8"},
        scripts={"start": "node server.js", "dev": "nodemon server.js"},
    ),
    "package-lock.json": "{}",
    "server.js": "new Pool({ connectionString: process.env.DATABASE_URL })\n"
    "app.get('/health', (q, r) => r.send('ok'))\napp.listen(process.env.PORT || 3000)\n",
    "Dockerfile": DEV,
    "docker-compose.yml": "services:\n  web:\n    build: .\n    ports: ['3000:3000']\n",
}
COMPOSE_PROD = (
    "services:\n  web:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile.production\n"
    "      target: production\n    ports: ['80:3000']\n"
)


def _generate(root: Path) -> tuple[dict[str, str], object, object]:
    profile = scan(root)
    cfg = resolve(
        derive.slug(profile.name), {}, {}, lambda t, c: derive.derived_defaults(profile, t, c)
    )
    bp = derive.build(profile, cfg)
    files, _ = render_files(root, bp, budget_usd=50, github_repository="a/b")
    return files, profile, bp


def test_the_compose_prod_file_s_dockerfile_and_stage_everywhere(tmp_path: Path) -> None:
    root = write(
        tmp_path / "app",
        {**APP, "docker/Dockerfile.production": PROD, "docker-compose.prod.yml": COMPOSE_PROD},
    )
    files, profile, bp = _generate(root)
    chosen = profile.dockerfile.value  # type: ignore[attr-defined]
    assert (chosen["path"], chosen["context"], chosen["target"]) == (
        "docker/Dockerfile.production",
        ".",
        "production",
    )
    assert "docker-compose.prod.yml" in chosen["why"] and "not Dockerfile" in chosen["why"]
    # the dev Dockerfile's nodemon is not what production runs
    codes = [f.code for f in profile.findings]  # type: ignore[attr-defined]
    assert "dockerfile-dev-command" not in codes
    assert bp.decisions["image"].choice.startswith("docker/Dockerfile.production")  # type: ignore[attr-defined]
    assert "Dockerfile" not in files and "docker/Dockerfile.production" not in files
    workflow = files[".github/workflows/deploy.yml"]
    assert "--target production -f docker/Dockerfile.production ." in workflow
    # the task starts the production image's command through the entrypoint
    assert '"node", "server.js"' in files["infra/ecs.tf"]
    (root / ".github/workflows").mkdir(parents=True)
    (root / ".github/workflows/deploy.yml").write_text(workflow)
    (build,) = image.builds(root)  # the rehearsal builds what CI builds
    assert (build.dockerfile, build.context, build.target) == (
        root / "docker/Dockerfile.production",
        root,
        "production",
    )


def test_a_dockerfile_named_for_production(tmp_path: Path) -> None:
    prod = 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n'
    root = write(tmp_path / "app", {**APP, "Dockerfile.prod": prod})
    files, profile, bp = _generate(root)
    assert profile.dockerfile.value["path"] == "Dockerfile.prod"  # type: ignore[attr-defined]
    assert "production" in profile.dockerfile.value["why"]  # type: ignore[attr-defined]
    assert "-f Dockerfile.prod ." in files[".github/workflows/deploy.yml"]
    assert image.builds(root, None, bp.dockerfile, bp.docker_context)[0].dockerfile == (  # type: ignore[attr-defined]
        root / "Dockerfile.prod"
    )


def test_a_lone_dockerfile_builds_as_before(tmp_path: Path) -> None:
    prod = 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n'
    root = write(tmp_path / "app", {**APP, "Dockerfile": prod})
    files, profile, bp = _generate(root)
    assert profile.dockerfile.value["path"] == "Dockerfile"  # type: ignore[attr-defined]
    assert "image" not in bp.decisions  # type: ignore[attr-defined]
    assert " --push .\n" in files[".github/workflows/deploy.yml"]
