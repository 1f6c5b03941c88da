"""The app's own Dockerfile: what it starts and exposes, and why it could not work on ECS.

skylift keeps a Dockerfile the user wrote; every problem it can see from the file alone becomes
a finding with the line to change (no CMD, the source never copied, a COPY of a file that is not
in the repository, a hot-reload dev server as CMD, a build argument nobody passes, nothing that
composes the database URL the app reads)."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass, field

from skylift.scan._facts import Draft
from skylift.scan._repo import SourceFile
from skylift.scan._roles import cache_role, db_role
from skylift.scan.model import Evidence

DEV_SERVERS = re.compile(
    r"\b(?:nodemon|ts-node-dev|tsx watch|next dev|nest start\b[^\n]*--watch|nx serve|vite(?:\s|$)|"
    r"webpack(?:-dev-server| serve)|(?:npm run|yarn|pnpm)(?: run)? (?:dev|watch|start:dev)\b|"
    r"manage\.py runserver|flask run\b[^\n]*--debug|\bair\b|CompileDaemon|reflex|"
    r"watchexec|go run\b)|--reload\b"
)
# base images whose own CMD is a REPL or a shell: without a CMD the container exits at once
LANGUAGE_IMAGES = re.compile(
    r"^(?:docker\.io/)?(?:library/)?(?:node|python|golang|alpine|debian|ubuntu|busybox)(?::|$)"
)
_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)\s+(.*)$", re.S)


@dataclass
class Instruction:
    keyword: str  # upper case
    args: str
    line: int
    stage: int


@dataclass
class Stage:
    image: str
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)


def parse(text: str) -> list[Stage]:
    """Stages and their instructions, continuation lines joined, comments dropped."""
    stages: list[Stage] = []
    buf: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if not buf:
            start = number
        buf.append(line[:-1] if line.endswith("\\") else line)
        if line.endswith("\\"):
            continue
        _add(stages, " ".join(p.strip() for p in buf), start)
        buf = []
    if buf:
        _add(stages, " ".join(p.strip() for p in buf), start)
    return stages


def _add(stages: list[Stage], text: str, line: int) -> None:
    m = _INSTRUCTION.match(text)
    if m is None:
        return
    keyword, args = m.group(1).upper(), m.group(2).strip()
    if keyword == "FROM":
        words = [w for w in args.split() if not w.startswith("--")]
        name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
        stages.append(Stage(words[0] if words else "", name, line))
        return
    if not stages:
        stages.append(Stage("", None, line))  # ARG before FROM
    stages[-1].instructions.append(Instruction(keyword, args, line, len(stages) - 1))


def command_words(args: str) -> str:
    """CMD ["node", "dist/main.js"] -> node dist/main.js; shell form as written."""
    try:
        parts = json.loads(args)
    except json.JSONDecodeError:
        return args.strip()
    return " ".join(str(p) for p in parts) if isinstance(parts, list) else args.strip()


def start(stages: list[Stage]) -> Instruction | None:
    """The CMD (or ENTRYPOINT) the image runs: the final stage's, or the stage it builds on."""
    by_name = {s.name: s for s in stages if s.name}
    stage = stages[-1] if stages else None
    seen = 0
    while stage is not None and seen < len(stages):
        cmds = [i for i in stage.instructions if i.keyword in ("CMD", "ENTRYPOINT")]
        if cmds:
            return cmds[-1]
        stage, seen = by_name.get(stage.image), seen + 1
    return None


def _argv(args: str) -> list[str]:
    """Exec form as it is; shell form under /bin/sh -c, as Docker runs it."""
    try:
        parts = json.loads(args)
        if isinstance(parts, list):
            return [str(p) for p in parts]
    except json.JSONDecodeError:
        pass
    return ["/bin/sh", "-c", args.strip()]


def image_argv(text: str) -> list[str] | None:
    """What the image runs (ENTRYPOINT + CMD, as Docker joins them), or None when the final
    image has no shell to run skylift's entrypoint first (distroless, scratch)."""
    stages = parse(text)
    if not stages or shell_less(stages):
        return None
    by_name = {s.name: s for s in stages if s.name}
    entry: list[str] | None = None
    cmd: list[str] | None = None
    stage: Stage | None = stages[-1]
    for _ in stages:  # the final stage, then the stages it builds on, for what it leaves unset
        if stage is None:
            break
        for ins in stage.instructions:
            if ins.keyword == "ENTRYPOINT" and entry is None:
                entry = _argv(ins.args)
            if ins.keyword == "CMD" and cmd is None:
                cmd = _argv(ins.args)
        stage = by_name.get(stage.image)
    if entry and entry[:2] == ["/bin/sh", "-c"]:
        return entry  # a shell-form ENTRYPOINT ignores CMD
    argv = (entry or []) + (cmd or [])
    return argv or None


def lacks_cmd(text: str) -> list[str] | None:
    """The exec-form ENTRYPOINT of an image with no CMD, else None: the image runs the
    entrypoint with no arguments, and whatever starts it (compose's `command:`, the task
    definition) gives the command. [] for an image with neither, on a language image whose
    own CMD is a REPL (`python3`, `node`): compose's `command:` is all it runs."""
    stages = parse(text)
    if stages and start(stages) is None:
        return [] if LANGUAGE_IMAGES.match(_base_image(stages)) else None
    by_name = {s.name: s for s in stages if s.name}
    stage: Stage | None = stages[-1] if stages else None
    found: dict[str, Instruction] = {}
    for _ in stages:
        if stage is None:
            break
        for ins in stage.instructions:
            if ins.keyword in ("CMD", "ENTRYPOINT") and ins.keyword not in found:
                found[ins.keyword] = ins
        stage = by_name.get(stage.image)
    entry = found.get("ENTRYPOINT")
    if "CMD" in found or entry is None:
        return None
    argv = _argv(entry.args)
    return None if argv[:2] == ["/bin/sh", "-c"] else argv  # shell form ignores arguments


def _base_image(stages: list[Stage]) -> str:
    """The image the final stage builds on, through the stages it names."""
    by_name = {s.name: s for s in stages if s.name}
    image = stages[-1].image
    for _ in stages:
        if image not in by_name:
            break
        image = by_name[image].image
    return image


def shell_less(stages: list[Stage]) -> bool:
    return bool(re.search(r"distroless|^scratch$", stages[-1].image))


def final_files(text: str) -> list[str] | None:
    """The paths the final image holds when it has no shell (distroless, scratch): what its
    COPY and ADD lines put there; None when the image has a shell (and its own tools)."""
    stages = parse(text)
    if not stages or not shell_less(stages):
        return None
    out: list[str] = []
    for ins in stages[-1].instructions:
        if ins.keyword in ("COPY", "ADD"):
            words = [w for w in _copy_words(ins.args) if not w.startswith("--")]
            if len(words) >= 2:
                dest = words[-1]
                out.append(dest)
                out += [
                    dest.rstrip("/") + "/" + w.rstrip("/").rsplit("/", 1)[-1] for w in words[:-1]
                ]
    return out


def image_env(stages: list[Stage]) -> dict[str, str]:
    """The ENV the final image sets (its stage and the stages it builds on, later lines win),
    ARG defaults filled in; a value that stays `$X` is left out: the build decides it."""
    by_name = {s.name: s for s in stages if s.name}
    chain: list[Stage] = []
    stage: Stage | None = stages[-1] if stages else None
    while stage is not None and stage not in chain:
        chain.append(stage)
        stage = by_name.get(stage.image)
    args: dict[str, str] = {}
    env: dict[str, str] = {}
    pre = [s for s in stages[:1] if not s.image and s not in chain]  # ARGs before any FROM
    for st in [*pre, *reversed(chain)]:
        for ins in st.instructions:
            pairs = _env_pairs(ins.args) if ins.keyword in ("ENV", "ARG") else {}
            for name, value in pairs.items():
                value = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), "$"), value)
                target = env if ins.keyword == "ENV" else args
                if "$" in value:
                    target.pop(name, None)
                else:
                    target[name] = value
    return env


def _env_pairs(args: str) -> dict[str, str]:
    """`A=1 B="x y"` or the old `A 1` form."""
    if "=" not in args.split(" ", 1)[0]:
        name, _, value = args.partition(" ")
        return {name: value.strip().strip("\"'")} if value.strip() else {}
    return {
        m.group(1): m.group(2).strip("\"'")
        for m in re.finditer(r"(\w+)=(\"[^\"]*\"|'[^']*'|\S*)", args)
    }


# where the process runs (NODE_ENV ...): the plan sets the production value when the image
# does not (plan/_env.py); no other value of the image's ENV reaches the profile (a secret's)
_RUN_MODE_ENV = re.compile(r"^(?:NODE_ENV|APP_ENV|FLASK_ENV|GIN_MODE|RAILS_ENV|GO_ENV)$")


def scan(draft: Draft) -> None:
    src = draft.dockerfile()
    if src is None:
        return
    stages = parse(src.text)
    if not stages:
        return
    if draft.profile.dockerfile is not None:
        env = image_env(stages)
        draft.profile.dockerfile.value["env"] = {
            k: v for k, v in env.items() if _RUN_MODE_ENV.match(k)
        }
    cmd = start(stages)
    if cmd is not None and (dev := DEV_SERVERS.search(command_words(cmd.args))):
        draft.finding(
            "dockerfile-dev-command",
            f"The Dockerfile starts a development server ({dev.group(0).strip()})",
            "start the built app instead (`node dist/main.js`, `next start`, `gunicorn app:app`, "
            "the compiled Go binary): a watcher restarts on file changes, compiles on every "
            "start and needs the devDependencies",
            [src.evidence(cmd.line)],
        )
    _copies(draft, src, stages)
    _build_args(draft, src, stages)
    _lockfile(draft, src, stages)
    if draft.language == "python":
        _pg_driver_installed(draft, src, stages)
    _wipes_at_start(draft, src, stages)


# installs that refuse to run without the lockfile they name
_LOCKED_INSTALLS = [
    (re.compile(r"\bnpm\s+ci\b"), ("package-lock.json", "npm-shrinkwrap.json"), "npm ci"),
    (
        re.compile(r"\byarn\s+install\b[^&;|]*--(?:frozen-lockfile|immutable)"),
        ("yarn.lock",),
        "yarn install --frozen-lockfile",
    ),
    (
        re.compile(r"\bpnpm\s+(?:install|i)\b[^&;|]*--frozen-lockfile"),
        ("pnpm-lock.yaml",),
        "pnpm install --frozen-lockfile",
    ),
]


def _lockfile(draft: Draft, src: SourceFile, stages: list[Stage]) -> None:
    """`npm ci` with no package-lock.json in the repository: the build stops at that line."""
    files = set(draft.repo.files)
    for stage in stages:
        for ins in stage.instructions:
            if ins.keyword != "RUN":
                continue
            for pattern, locks, what in _LOCKED_INSTALLS:
                if pattern.search(ins.args) and not files & set(locks):
                    draft.finding(
                        "dockerfile-no-lockfile",
                        f"The Dockerfile runs `{what}`, but the repository has no {locks[0]}",
                        f"commit the lockfile ({locks[0]}: `{what.split()[0]} install` writes it), "
                        f"or install without it; the build stops at that line",
                        [src.evidence(ins.line)],
                        "blocker",
                    )
                    return


_PIP_R = re.compile(r"\bpip3?\s+install\b[^&;|]*?(?:-r|--requirement)\s+(\S+)")
_PG_DRIVERS = ("psycopg", "psycopg2", "psycopg2-binary", "asyncpg", "pg8000")


def _pg_driver_installed(draft: Draft, src: SourceFile, stages: list[Stage]) -> None:
    """The image installs requirements files (`pip install -r requirements/docker.txt`) that
    do not hold the PostgreSQL driver the repository names elsewhere (requirements/heroku.txt):
    on RDS the app cannot connect."""
    installed: list[tuple[str, int]] = []
    for stage in stages:
        for ins in stage.instructions:
            if ins.keyword == "RUN":
                installed += [
                    (m.group(1).removeprefix("./"), ins.line) for m in _PIP_R.finditer(ins.args)
                ]
    files = _with_includes(draft, [f for f, _ in installed])
    driver = next((d for d in _PG_DRIVERS if d in draft.deps), None)
    if not installed or not files or driver is None:
        return
    held = any(_holds(draft, f, _PG_DRIVERS) for f in files)
    if not held:
        named, line = installed[0]
        draft.finding(
            "dockerfile-no-pg-driver",
            f"The image installs {named}, which does not hold the PostgreSQL driver "
            f"({driver} is in {draft.deps[driver]})",
            f"add `{driver}` to {named} (or install the file that has it): without it the app "
            "cannot connect to RDS",
            [src.evidence(line)],
            "blocker",
        )


def _with_includes(draft: Draft, files: list[str]) -> list[str]:
    """The requirements files named, and the ones they include with `-r`, that exist."""
    out: list[str] = []
    todo = list(files)
    while todo and len(out) < 20:
        rel = todo.pop()
        text = draft.repo.read(rel)
        if text is None or rel in out:
            continue
        out.append(rel)
        folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
        todo += [
            folder + m.removeprefix("./") for m in re.findall(r"^\s*-r\s+(\S+)", text.text, re.M)
        ]
    return out


def _holds(draft: Draft, rel: str, names: tuple[str, ...]) -> bool:
    text = draft.repo.read(rel)
    pattern = rf"^\s*(?:{'|'.join(re.escape(n) for n in names)})(?:\[[^\]]*\])?\s*(?:[<>=!~;@]|$)"
    return text is not None and re.search(pattern, text.text, re.M | re.I) is not None


# commands that empty or drop the database: harmless on a laptop, data loss on every task start
_WIPES = re.compile(
    r"manage\.py\s+(?:flush|reset_db)\b|\bdrop_all\(|\bdb:drop\b|\bmigrate:fresh\b|"
    r"\bprisma\s+migrate\s+reset\b|\bdb:reset\b|\bmigrate:rollback\s+--all\b|"
    r"\bdropdb\b|DROP\s+(?:DATABASE|SCHEMA)\b",
    re.I,
)
_CUSTOM_COMMAND = re.compile(r"(?:manage\.py|\bflask)\s+([a-z][\w-]*)")


def _wipes_at_start(draft: Draft, src: SourceFile, stages: list[Stage]) -> None:
    """The script the image starts with empties the database (`manage.py flush`, a CLI command
    that calls `db.drop_all()`): on ECS it runs at every task start, deploy and scale-out."""
    cmd = start(stages)
    if cmd is None:
        return
    where: list[Evidence] = []
    for word in re.findall(r"[\w./-]+\.sh\b", cmd.args):
        script = draft.repo.read(word.rsplit("/", 1)[-1]) or draft.repo.read(word.lstrip("./"))
        if script is None:
            continue
        for number, line in enumerate(script.text.splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            if _WIPES.search(line) or any(
                _command_wipes(draft, m) for m in _CUSTOM_COMMAND.findall(line)
            ):
                where.append(script.evidence(number))
    if where:
        draft.finding(
            "entrypoint-wipes-database",
            "The image's start script empties the database every time a task starts",
            "on ECS it runs at every deploy, restart and scale-out, after `skylift db migrate` "
            "copied your data: take the line out of the script the image starts (a production "
            "Dockerfile usually starts without it), and run schema changes as the release step",
            where,
            "blocker",
        )


def _command_wipes(draft: Draft, name: str) -> bool:
    """A Flask/Click or Django management command of the app's own whose body drops tables."""
    pattern = re.compile(
        rf"command\(\s*['\"]{re.escape(name)}['\"][^)]*\)\s*\n(?:\s*@[^\n]*\n)*\s*def\s+\w+|"
        rf"def\s+{re.escape(name.replace('-', '_'))}\s*\("
    )
    for code, m in draft.repo.grep(pattern, (".py",)):
        body = code.text[m.end() : m.end() + 1500]
        body = re.split(r"\n(?=\S|\s*@)", body, maxsplit=1)[0]
        if _WIPES.search(body):
            return True
    return False


def _exec_form(draft: Draft) -> str:
    command = str(draft.profile.start_command.value) if draft.profile.start_command else ""
    examples = {"python": '["gunicorn", "app:app"]', "go": '["/app"]'}
    return (
        json.dumps(command.split())
        if command
        else examples.get(draft.language or "", '["node", "dist/main.js"]')
    )


def _copies(draft: Draft, src: SourceFile, stages: list[Stage]) -> None:
    missing: list[Evidence] = []
    above: list[Evidence] = []  # found in the folder above: the file is built from there
    brings_source = False
    for stage in stages:
        for ins in stage.instructions:
            if ins.keyword not in ("COPY", "ADD") or "--from" in ins.args:
                continue
            words = [w for w in _copy_words(ins.args) if not w.startswith("--")]
            for source in words[:-1]:
                if source.startswith(("http://", "https://", "$")):
                    continue
                if _is_source(draft, source):
                    brings_source = True
                if not _exists(draft, source):
                    parent = draft.repo.root.parent / source.removeprefix("./")
                    (above if parent.exists() else missing).append(src.evidence(ins.line))
    if above:
        draft.finding(
            "dockerfile-context",
            "The Dockerfile is built from the folder above the app (it copies files from there)",
            "nothing to change: the deploy workflow builds it from there "
            "(`docker buildx build -f <app>/Dockerfile .`)",
            above,
            "info",
        )
        return
    if missing:
        draft.finding(
            "dockerfile-missing-file",
            "The Dockerfile copies files that are not in the repository",
            "the build fails at that line: fix the path, commit the file, or drop the COPY",
            missing,
            "blocker",
        )
    if not brings_source and stages[-1].instructions:
        draft.finding(
            "dockerfile-no-source",
            "The Dockerfile never copies the app's source into the image",
            "add `COPY . .` (with a .dockerignore for node_modules, .git and .env) before the "
            "build step",
            [src.evidence(stages[-1].line)],
            "blocker",
        )


def copy_sources(text: str) -> list[str]:
    """The paths COPY and ADD take from the build context (not from another stage or a URL)."""
    out = []
    for stage in parse(text):
        for ins in stage.instructions:
            if ins.keyword in ("COPY", "ADD") and "--from" not in ins.args:
                words = [w for w in _copy_words(ins.args) if not w.startswith("--")]
                out += [w.removeprefix("./") for w in words[:-1] if not w.startswith(("http", "$"))]
    return out


def _copy_words(args: str) -> list[str]:
    try:
        parts = json.loads(args)
        if isinstance(parts, list):
            return [str(p) for p in parts]
    except json.JSONDecodeError:
        pass
    return args.split()


def _is_source(draft: Draft, source: str) -> bool:
    """`.` or a folder/file holding the app's own code."""
    path = source.strip("./") if source not in (".", "./") else ""
    if path == "":
        return True
    return any(
        (f == path or f.startswith(path.rstrip("/") + "/") or fnmatch.fnmatch(f, path))
        and f.endswith(draft.code_exts)
        for f in draft.repo.files
    )


def _exists(draft: Draft, source: str) -> bool:
    path = source[2:] if source.startswith("./") else source
    path = path.rstrip("/")
    if path in ("", "."):
        return True
    if any(c in path for c in "*?["):
        return any(
            fnmatch.fnmatch(f, path) or fnmatch.fnmatch(f, path + "/*") for f in draft.repo.files
        )
    return any(f == path or f.startswith(path + "/") for f in draft.repo.files) or (
        (draft.repo.root / path).exists()
    )


def _build_args(draft: Draft, src: SourceFile, stages: list[Stage]) -> None:
    """ARG NAME with no default, used by the build: the deploy workflow passes no build args."""
    unset: list[Evidence] = []
    names: list[str] = []
    for stage in stages:
        for ins in stage.instructions:
            if ins.keyword != "ARG" or "=" in ins.args:
                continue
            name = ins.args.split()[0]
            used = any(
                re.search(rf"\$\{{?{re.escape(name)}\b", i.args)
                for s in stages
                for i in s.instructions
                if i.keyword != "ARG"
            )
            if used and not name.startswith(("TARGET", "BUILD")):
                unset.append(src.evidence(ins.line))
                names.append(name)
    if unset:
        draft.finding(
            "dockerfile-build-arg",
            f"Build argument(s) {', '.join(names)} have no default and CI passes none",
            "give each a default (`ARG NAME=value`) or pass it in .github/workflows/deploy.yml "
            "(`--build-arg NAME=...`); empty, the build or the app gets an empty value",
            unset,
        )


def composed_urls(draft: Draft) -> list[str]:
    """The database and cache URLs the app reads, which the container must compose at start."""
    names = []
    for var in draft.env_vars():
        if (draft.profile.databases and db_role(var.name) == "url") or (
            draft.profile.cache and cache_role(var.name) == "url"
        ):
            names.append(var.name)
    return names


def check_start(draft: Draft) -> None:
    """A start command that runs a dev server (package.json `start`: `nodemon`, `nx serve`)."""
    best = draft.starts.best()
    docker = draft.dockerfile()
    if docker is not None and lacks_cmd(docker.text) == []:
        _no_cmd(draft, docker, str(best.value) if best else None)
    if best is None or (docker is not None and lacks_cmd(docker.text) is None):
        return  # the Dockerfile's own CMD is checked in scan(); compose's `command:` is here
    if dev := DEV_SERVERS.search(str(best.value)):
        draft.finding(
            "dev-start-command",
            f"The app starts with a development server ({dev.group(0).strip()})",
            "make the start command run the built app (`node dist/main.js`, `next start`, "
            "`gunicorn app:app`): the image runs it on every task, without devDependencies",
            best.evidence[:1],
        )


def _no_cmd(draft: Draft, src: SourceFile, command: str | None) -> None:
    """No CMD and no ENTRYPOINT: compose's `command:` starts the container; the task
    definition gives the same command, but the image alone runs its base image's REPL."""
    where = [src.evidence(parse(src.text)[-1].line)]
    if command:
        draft.finding(
            "dockerfile-no-cmd",
            f"The Dockerfile has no CMD: the task definition runs `{command}`",
            f"nothing to change for ECS; to make the image start on its own, end it with CMD "
            f"{json.dumps(shlex.split(command))}",
            where,
            "info",
        )
        return
    draft.finding(
        "dockerfile-no-cmd",
        "The Dockerfile has no CMD: the image runs its base image's default and exits",
        f"end the last stage with the app's start command, e.g. CMD {_exec_form(draft)}",
        where,
        "blocker",
    )


def check_entrypoint(draft: Draft) -> None:
    """After env: the app reads DATABASE_URL-style variables; does the image compose them?"""
    src = draft.dockerfile()
    names = composed_urls(draft)
    if src is None or not names or "skylift-env" in src.text:
        return
    stages = parse(src.text)
    cmd = start(stages)
    where = src.evidence(cmd.line) if cmd else src.evidence(stages[-1].line if stages else 1)
    if stages and shell_less(stages):
        draft.finding(
            "dockerfile-no-env-entrypoint",
            f"Nothing in the image can build {', '.join(names)} from the new database and cache",
            "ECS hands the task the database password on its own (it rotates) and a shell script "
            f"composes the URL at start, but the final image ({stages[-1].image}) has no shell: "
            "base it on alpine or debian-slim, or delete the Dockerfile and let `skylift "
            "generate` write one",
            [where],
            "blocker",
        )
        return
    draft.finding(
        "dockerfile-entrypoint-override",
        f"The task starts your image through skylift's entrypoint, which composes {', '.join(names)}",
        "nothing to change: the task definition sets entryPoint to the script (inline) and command "
        "to what your Dockerfile runs; to make it visible in the image, add `COPY --chmod=0755 "
        'scripts/skylift-env.sh /usr/local/bin/skylift-env` and `ENTRYPOINT ["/usr/local/bin/'
        'skylift-env"]` before the CMD',
        [where],
        "info",
    )
