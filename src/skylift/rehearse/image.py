"""The app's image, built as CI builds it: the same Dockerfile, context and target stage as
the `docker buildx build` lines of the generated deploy workflow (the one source of how the
image is made), with the engine of this machine."""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from skylift.errors import AppDidNotRun
from skylift.rehearse.engine import Engine

Log = Callable[[str], None]
WORKFLOW = Path(".github/workflows/deploy.yml")
_BUILD = re.compile(r"^\s*docker buildx build (.+)$", re.M)
_STEP = re.compile(r"^(\[\d+/\d+\] )?(STEP \d+/\d+|Step \d+/\d+|#\d+ \[)", re.I)
# a download the build could not make: the host's name did not resolve (npm, pip, curl, apt, go)
_UNREACHABLE = re.compile(
    r"getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([\w.-]+\.[a-z]{2,})|"
    r"Could not resolve host:? '?([\w.-]+\.[a-z]{2,})|"
    r"Temporary failure resolving '([\w.-]+\.[a-z]{2,})'|"
    r"Failed to resolve '([\w.-]+\.[a-z]{2,})'|"
    r"lookup ([\w.-]+\.[a-z]{2,})(?: on [\d.:\[\]]+)?: (?:no such host|server misbehaving)",
    re.I,
)


@dataclass
class Build:
    """One `docker buildx build` of the workflow: what it builds and from where."""

    dockerfile: Path
    context: Path
    target: str | None  # the stage (--target migrate), None for the final one
    build_args: list[str]  # names the workflow passes from the repository's variables


def builds(
    root: Path, app_dir: str | None = None, dockerfile: str = "Dockerfile", context: str = "."
) -> list[Build]:
    """The workflow's builds (the app image first, then its migrate stage, if any). Without a
    workflow: the app's production Dockerfile and context (the Blueprint's), as `skylift
    generate` would build it."""
    path = root / WORKFLOW
    text = path.read_text(errors="replace") if path.is_file() else ""
    args = re.findall(r'--build-arg "(\w+)=', text)
    out = [_parse(root, m.group(1), args) for m in _BUILD.finditer(text)]
    if out:
        return out
    folder = root / app_dir if app_dir else root
    return [Build(folder / dockerfile, folder / context, None, [])]


def _parse(root: Path, line: str, args: list[str]) -> Build:
    words = shlex.split(line.replace('"${args[@]}"', ""))
    dockerfile, target, rest = None, None, []
    skip_next = {"--platform", "--tag", "-t"}
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-f", "--file"):
            dockerfile = words[i + 1]
            i += 2
            continue
        if w == "--target":
            target = words[i + 1]
            i += 2
            continue
        if w in skip_next:
            i += 2
            continue
        if not w.startswith("-"):
            rest.append(w)
        i += 1
    context = root / (rest[-1] if rest else ".")
    return Build(root / dockerfile if dockerfile else context / "Dockerfile", context, target, args)


def base_image(dockerfile: Path, target: str | None = None) -> str:
    """The final stage's (or the target stage's) base image, ARG defaults filled in: what the
    engine probe runs."""
    from skylift.scan.image import upto_stage

    text = upto_stage(dockerfile.read_text(errors="replace"), target or "")
    defaults = dict(re.findall(r"^\s*ARG\s+(\w+)=(\S+)", text, re.M | re.I))
    stages: set[str] = set()
    image = "scratch"
    for m in re.finditer(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", text, re.M | re.I):
        ref = re.sub(r"\$\{?(\w+)\}?", lambda v: defaults.get(v.group(1), ""), m.group(1))
        image = image if ref.lower() in stages else ref
        if m.group(2):
            stages.add(m.group(2).lower())
    return image


def build(
    engine: Engine, spec: Build, tag: str, log_path: Path, say: Log, env: dict[str, str]
) -> str:
    """Build `spec` as `tag`; return the image id. Progress: each build step, as the engine
    reports it. A failing build is the app not running: AppDidNotRun with the log's tail."""
    args = {n: env[n] for n in spec.build_args if n in env}
    argv = engine.build_argv(spec.dockerfile, spec.context, tag, spec.target, args)
    stage = f" (stage {spec.target})" if spec.target else ""
    rel = _rel(spec.dockerfile, spec.context)
    say(f"building the image{stage} with {engine.name}: {rel}, context {spec.context.name or '.'}")
    started = time.monotonic()
    with log_path.open("w") as log:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if _STEP.match(line):
                say(f"  build{stage} {int(time.monotonic() - started)}s: {line.strip()[:90]}")
        code = proc.wait()
    if code:
        full = log_path.read_text(errors="replace").splitlines()
        step, lines = failing_step(full)
        raise AppDidNotRun(
            f"the image does not build{stage} ({engine.name} exit {code})"
            + (f" at {step}" if step else ""),
            "\n".join(f"  | {line}" for line in lines),
            missing_package(full)
            or _build_fix(unreachable_hosts(full), log_path, rel, compile_error(full)),
        )
    engine.forget(tag)
    say(f"image built{stage} in {int(time.monotonic() - started)}s")
    return engine.image_id(tag) or tag


def unreachable_hosts(log: list[str]) -> list[str]:
    """The hosts the failing step could not reach (their names did not resolve), the last
    one first: the failing step's own output only, so an earlier step's retried download
    does not count."""
    starts = [i for i, line in enumerate(log) if _STEP.match(line)]
    hosts: list[str] = []
    for line in reversed(log[starts[-1] if starts else 0 :]):
        for m in _UNREACHABLE.finditer(line):
            host = next(g for g in m.groups() if g).lower()
            if host not in hosts:
                hosts.append(host)
    return hosts


# a native addon's compiler error (node-gyp's make, a C/C++ compiler): `file.cc:12:5: error: ...`
_COMPILER_ERROR = re.compile(r"^(?:\S+:\d+:\d+: )?(?:fatal )?error: .+|^gyp ERR! build error", re.M)


def compile_error(log: list[str]) -> str | None:
    """The first compiler error of the failing step when a native addon built from source
    (node-gyp) and that build failed, else None."""
    starts = [i for i, line in enumerate(log) if _STEP.match(line)]
    step = log[starts[-1] if starts else 0 :]
    if not any("gyp ERR!" in line for line in step):
        return None
    errors = [line.strip() for line in step if _COMPILER_ERROR.match(line.strip())]
    specific = [e for e in errors if not e.startswith("gyp ERR!")]
    found = specific or errors
    return found[0] if found else None


_NO_PACKAGE = re.compile(
    r"^E: (?:Package '([^']+)' has no installation candidate|Unable to locate package (\S+))"
)


def missing_package(log: list[str]) -> str | None:
    """The fix when the failing step's apt-get names a package the base image's Debian or
    Ubuntu release does not have (`netcat`, a virtual package since bookworm; `libssl1.1`):
    the release a floating tag points at moved on, or the Dockerfile was written for another."""
    starts = [i for i, line in enumerate(log) if _STEP.match(line)]
    for line in log[starts[-1] if starts else 0 :]:
        if m := _NO_PACKAGE.match(line.strip().lstrip("| ").strip()):
            name = m.group(1) or m.group(2)
            return (
                f"apt-get found no package `{name}` in the base image's release ({line.strip()}): "
                "the Dockerfile names a package of another Debian or Ubuntu release (`netcat` is "
                "`netcat-openbsd` since bookworm). Name the package this release has, or pin "
                "the base image to the release the Dockerfile was written for"
            )
    return None


def _build_fix(hosts: list[str], log_path: Path, rel: str, compiled: str | None = None) -> str:
    if compiled and hosts:
        return (f"a native addon's prebuilt binary is on {', '.join(hosts[:2])}, which this "
                f"machine cannot reach, so it compiled from source and that failed ({compiled[:160]}): "
                "with the host reachable there may be a prebuilt binary for this Node version, or "
                "none (an old addon often has none for a newer Node: build on the Node version "
                f"its lockfile was written for, or upgrade the addon). The log: {log_path}")  # fmt: skip
    if compiled:
        return (f"a native addon's source build failed ({compiled[:160]}): it does not compile "
                "for this Node version; upgrade the addon or build on the Node version its "
                f"lockfile was written for. The log: {log_path}")  # fmt: skip
    if not hosts:
        return f"read {log_path}; the workflow builds {rel} the same way, so CI would fail too"
    return (f"the build downloads from {', '.join(hosts[:4])}, which this machine cannot "
            "reach (the name does not resolve): the Dockerfile may well be right, and CI with "
            f"Internet access would reach it; rerun where it is reachable. The log: {log_path}")  # fmt: skip


def failing_step(log: list[str], keep: int = 50) -> tuple[str | None, list[str]]:
    """The step that failed and its output: the first lines (where tools say what is wrong)
    and the last ones, `keep` in all."""
    starts = [i for i, line in enumerate(log) if _STEP.match(line)]
    first = starts[-1] if starts else max(0, len(log) - keep)
    step = _STEP.sub("", log[first]).strip(" :") if starts else None
    out = log[first:]
    if len(out) > keep:
        out = [*out[: keep // 2], "...", *out[-(keep // 2) :]]
    return (step[:120] if step else None), out


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)
