"""The rehearsal on real public apps: `skylift up --target local` on each checkout given, timed,
with what became of the app (healthy, or the first line of why not), then `skylift down`.

    python bench/real_apps.py /path/to/checkout [...] [--json out.json] [--force] [--dummy-secrets]

The checkouts are the user's (docs/real-apps.md names the commits measured); none of their code
is in this repository. Each app is copied to a scratch folder first, so the checkout stays clean.

`--dummy-secrets` writes a random value into the copy's `.env` for every secret the plan asks
for that `.env` does not give (as tests/run/test_examples_run.py does for our examples), so an
app whose secrets an owner would type in runs on. Base images its Dockerfiles name that our
machine has no stand-in tag for (`python:3.9.10-slim`, `python:3.14`, `node:16.13-alpine3.15`)
are tagged with the nearest stand-in of the same image (scripts/standins), and the row says so:
test scaffolding only, a user's machine pulls the image the app asked for.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def rehearse(
    checkout: Path, timeout: int, force: bool = False, dummy_secrets: bool = False
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="real-app-") as scratch:
        app = Path(scratch) / checkout.name
        shutil.copytree(checkout, app, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        filled = fill_secrets(app) if dummy_secrets else []
        started = time.monotonic()
        if force:  # the app's own workflow or Dockerfile replaced, as `generate --force` does
            subprocess.run(["skylift", "generate", str(app), "--force"], capture_output=True)
        aliased = alias_standins(app)  # the Dockerfiles `up` builds: the app's or generated
        try:
            done = subprocess.run(
                ["skylift", "up", str(app), "--target", "local", "--json"],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            code, out, err = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as exc:
            code, out, err = -1, "", f"timed out after {timeout} s: {exc.stderr or ''}"
        seconds = round(time.monotonic() - started, 1)
        subprocess.run(["skylift", "down", str(app)], capture_output=True, timeout=300)
    return {
        "app": checkout.name,
        "exit": code,
        "seconds": seconds,
        "standins": aliased,
        "dummy_secrets": filled,
        **_outcome(out, err),
    }


def fill_secrets(app: Path) -> list[str]:
    """A random value in `.env` for each secret the plan names that `.env` lacks (names only)."""
    done = subprocess.run(["skylift", "plan", str(app), "--json"], capture_output=True, text=True)
    try:
        wanted = json.loads(done.stdout)["blueprint"]["secrets"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return []
    dotenv = app / ".env"
    text = dotenv.read_text() if dotenv.exists() else ""
    given = set(re.findall(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", text, re.M))
    missing = [name for name in wanted if name not in given]
    if missing:
        lines = "".join(f"{name}={secrets.token_hex(24)}\n" for name in missing)
        dotenv.write_text(text + ("\n" if text and not text.endswith("\n") else "") + lines)
    return missing


_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)", re.I | re.M)
_TAG = re.compile(r"^(\d+(?:\.\d+)*)(.*)$")


def alias_standins(app: Path) -> list[str]:
    """Tag the nearest stand-in with each base image name the app's Dockerfiles use that this
    machine lacks; returns "wanted -> stand-in" for each (scaffolding, see the module doc)."""
    have = _local_images()
    if not have:
        return []
    notes = []
    for ref in sorted(_base_images(app)):
        name, tag = _qualified(ref)
        if f"{name}:{tag}" in have:
            continue
        nearest = _nearest(name, tag, have)
        if nearest and _tag(nearest, f"{name}:{tag}"):
            have.add(f"{name}:{tag}")
            notes.append(f"{ref} -> {nearest.rsplit('/', 1)[-1]}")
    return notes


def _base_images(app: Path) -> set[str]:
    refs: set[str] = set()
    for dockerfile in app.rglob("Dockerfile*"):
        if "node_modules" in dockerfile.parts or not dockerfile.is_file():
            continue
        text = dockerfile.read_text(errors="replace")
        stages = {m.lower() for m in re.findall(r"^\s*FROM\s+.*\s+AS\s+(\S+)", text, re.I | re.M)}
        args = dict(re.findall(r"^\s*ARG\s+(\w+)=(\S+)", text, re.M))  # the defaults CI uses
        for ref in (_with_args(r, args) for r in _FROM.findall(text)):
            if "$" not in ref and ref.lower() not in stages:
                refs.add(ref)
    return refs


def _with_args(ref: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), ref)


def _qualified(ref: str) -> tuple[str, str]:
    name, _, tag = ref.partition(":") if "@" not in ref else (ref, "", "")
    tag = tag or "latest"
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif name.startswith("docker.io/") and name.count("/") == 1:
        name = name.replace("docker.io/", "docker.io/library/")
    elif "." not in name.split("/")[0]:
        name = f"docker.io/{name}"
    return name, tag


def _nearest(name: str, tag: str, have: set[str]) -> str | None:
    """The same image's tag whose version is the closest at the same major (a patch version
    gets its minor's, a newer minor the newest there is), with the same variant (-slim,
    -alpine; alpine3.15 counts as alpine, -bullseye as bookworm)."""
    match = _TAG.match(tag)
    if not match:
        return None
    version = tuple(int(p) for p in match.group(1).split("."))
    variant = re.sub(r"(alpine)[\d.]+", r"\1", match.group(2))
    variant = re.sub(r"-(bullseye|buster|stretch|bookworm|trixie)", "", variant)
    best: tuple[tuple[int, ...], str] | None = None
    for image in have:
        repo, _, other = image.rpartition(":")
        found = _TAG.match(other)
        if repo != name or not found or found.group(2) != variant:
            continue
        theirs = tuple(int(p) for p in found.group(1).split("."))
        if theirs[0] != version[0] or len(theirs) > len(version):
            continue
        if theirs == version[: len(theirs)]:
            key: tuple[int, ...] = (0, -len(theirs))  # a prefix: the longer the better
        else:
            key = (1, abs(_minor(theirs) - _minor(version)))
        if best is None or key < best[0]:
            best = (key, image)
    return best[1] if best else None


def _minor(version: tuple[int, ...]) -> int:
    return version[1] if len(version) > 1 else 0


def _local_images() -> set[str]:
    try:
        done = subprocess.run(
            ["podman", "images", "--format", "{{.Repository}}:{{.Tag}}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return {line.strip() for line in done.stdout.splitlines() if ":" in line}


def _tag(existing: str, wanted: str) -> bool:
    return subprocess.run(["podman", "tag", existing, wanted], capture_output=True).returncode == 0


def _outcome(out: str, err: str) -> dict[str, Any]:
    try:
        result = json.loads(out) if out.strip() else {}
    except json.JSONDecodeError:
        result = {}
    app = result.get("app") or {}
    lines = [line for line in err.splitlines() if line.strip()]
    error = next((line for line in lines if line.startswith("Error:")), "")
    why = next((line.strip() for line in lines if line.strip().startswith("why:")), "")
    return {
        "healthy": bool(app.get("healthy")),
        "services": app.get("services", []),
        "error": error,
        "why": why[:300],
        "log": lines[-80:],  # what `up` printed last: the app's log tail when it did not run
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkouts", nargs="+", type=Path)
    ap.add_argument("--json", type=Path, help="write the results here too")
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--force", action="store_true", help="skylift generate --force first")
    ap.add_argument("--dummy-secrets", action="store_true", help="random values for secrets")
    args = ap.parse_args(argv)
    results = []
    for checkout in args.checkouts:
        row = rehearse(checkout.resolve(), args.timeout, args.force, args.dummy_secrets)
        results.append(row)
        state = "healthy" if row["healthy"] else f"exit {row['exit']}: {row['error']} {row['why']}"
        extra = "".join(f"; stand-in {note}" for note in row["standins"])
        extra += (
            f"; dummy secrets {', '.join(row['dummy_secrets'])}" if row["dummy_secrets"] else ""
        )
        print(f"{row['app']}: {state} ({row['seconds']} s{extra})", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
