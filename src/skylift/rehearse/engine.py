"""The container engine of this machine: docker, podman or buildah, the first that really runs
a container (a trivial run of the base image, not just `--version`).

On machines without a Docker daemon where podman's OCI runtimes cannot set rlimits (our
sandboxes), `buildah bud --isolation chroot` builds and `buildah run --isolation chroot
--network host` runs. Every engine runs with the host's network: the app reaches the embedded
PostgreSQL and Redis on 127.0.0.1, and the load balancer stand-in reaches the app there.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skylift.errors import MissingToolError

Log = Callable[[str], None]
ENGINES = ("docker", "podman", "buildah")
# what the engine says when the probe got as far as exec'ing in the image: the engine works,
# the image just has no `true`
_EXEC_MISSING = ("executable file not found", "no such file or directory", "not found")
_PULL_FAILED = ("pull", "manifest", "resolv", "not found", "unknown", "registry")


@dataclass
class ImageConfig:
    user: str
    entrypoint: list[str]
    cmd: list[str]
    workdir: str
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Engine:
    name: str
    binary: str
    _configs: dict[str, ImageConfig] = field(default_factory=dict, repr=False, compare=False)

    # -- images ------------------------------------------------------------------------------
    def build_argv(
        self, dockerfile: Path, context: Path, tag: str, target: str | None, args: Mapping[str, str]
    ) -> list[str]:
        argv = (
            [self.binary, "bud", "--isolation", "chroot", "--layers"]
            if self.name == "buildah"
            else [self.binary, "build"]
        )
        argv += ["-f", str(dockerfile), "-t", tag]
        if target:
            argv += ["--target", target]
        for name, value in args.items():
            argv += ["--build-arg", f"{name}={value}"]
        return [*argv, str(context)]

    def image_id(self, tag: str) -> str | None:
        """The image's id (what changes when a build changes anything), None if there is none."""
        if (
            self.name == "buildah"
        ):  # buildah's inspect describes a builder: the image is FromImageID
            done = self._run(["inspect", "--type", "image", "--format", "{{.FromImageID}}", tag])
        else:
            done = self._run(["image", "inspect", "--format", "{{.Id}}", tag])
        found = done.stdout.strip() if done.returncode == 0 else ""
        return found or None

    def obtain(self, image: str, timeout: int = 300) -> bool:
        """Whether `image` is on this machine, pulled if it was not (a task's own image)."""
        if self.image_id(image):
            return True
        return _quiet([self.binary, "pull", "-q", image], timeout).returncode == 0

    def image_config(self, tag: str) -> ImageConfig:
        if tag not in self._configs:
            self._configs[tag] = self._image_config(tag)
        return self._configs[tag]

    def forget(self, tag: str) -> None:
        """`tag` was rebuilt: its configuration is read again."""
        self._configs.pop(tag, None)

    def _image_config(self, tag: str) -> ImageConfig:
        if self.name == "buildah":
            done = self._run(["inspect", "--type", "image", tag])
            cfg = json.loads(done.stdout or "{}").get("OCIv1", {}).get("config", {}) or {}
        else:
            done = self._run(["image", "inspect", tag])
            data = json.loads(done.stdout or "[{}]")
            cfg = (data[0] if data else {}).get("Config", {}) or {}
        env = dict(e.split("=", 1) for e in cfg.get("Env") or [] if "=" in e)
        return ImageConfig(
            user=str(cfg.get("User") or ""),
            entrypoint=list(cfg.get("Entrypoint") or []),
            cmd=list(cfg.get("Cmd") or []),
            workdir=str(cfg.get("WorkingDir") or ""),
            env=env,
        )

    # -- containers --------------------------------------------------------------------------
    def create(self, name: str, image: str) -> None:
        """A fresh container `name` of `image` (an old one of that name is removed first)."""
        self.remove(name)
        if self.name == "buildah":
            done = self._run(["from", "--pull-never", "--name", name, image])
            if done.returncode:
                done = self._run(["from", "--name", name, image])
            _check(done, f"cannot create the container {name}")

    def run_argv(
        self,
        name: str,
        image: str,
        argv: Sequence[str],
        env_names: Sequence[str],
        *,
        user: str = "",
        volumes: Sequence[tuple[str, str]] = (),
        memory_mib: int | None = None,
        read_only: bool = False,
    ) -> list[str]:
        """The command that runs `argv` in the container in the foreground. The environment's
        values come from the caller's environment (docker/podman `-e NAME`) or, for buildah
        (which has no such form), from the container's config (set_env): never on the
        command line, where any user of the machine could read them."""
        if self.name == "buildah":
            out = [self.binary, "run", "--isolation", "chroot", "--network", "host"]
            # the host's name, as Docker gives a --network host container, so that it resolves
            # (/etc/hosts is the host's): buildah's default, the container's ID, is in no
            # hosts file, and an app that resolves its own name at start (Django settings'
            # `gethostbyname_ex(gethostname())` for INTERNAL_IPS) stopped here; on ECS it resolves
            out += ["--hostname", socket.gethostname()]
            if user:
                out += ["--user", user]
            for src, dst in volumes:
                out += ["--volume", f"{src}:{dst}:ro"]
            return [*out, name, "--", *argv]
        out = [self.binary, "run", "--rm", "--name", name, "--network", "host"]
        if (
            self.name == "docker"
        ):  # signals reach a PID-1 app that ignores them (podman may lack catatonit)
            out.append("--init")
        out += [f"-e{n}" for n in env_names]
        if user:
            out += ["--user", user]
        if memory_mib:
            out += ["--memory", f"{memory_mib}m"]
        if read_only:
            out += ["--read-only", "--tmpfs", "/tmp"]
        for src, dst in volumes:
            out += ["-v", f"{src}:{dst}:ro"]
        return [*out, "--entrypoint", argv[0], image, *argv[1:]]

    def set_env(self, name: str, env: Mapping[str, str]) -> None:
        """buildah only: the container's environment, in its config in the engine's store
        (root's, as Docker keeps a container's environment); names only on the command line."""
        if self.name != "buildah" or not env:
            return
        argv = ["config"]
        for key in env:  # `--env NAME`: the value comes from our environment, not the argv
            argv += ["--env", key]
        done = subprocess.run([self.binary, *argv, name], capture_output=True, text=True,
                              check=False, env={**os.environ, **env})  # fmt: skip
        _check(done, f"cannot configure the container {name}")

    def enforces(self) -> dict[str, bool]:
        """What this engine applies itself (skylift adds a memory cgroup where it does not)."""
        own = self.name != "buildah"
        return {"memory": own, "read_only": own}

    def remove(self, name: str) -> None:
        self._run(["rm", name] if self.name == "buildah" else ["rm", "-f", name])

    def containers(self, prefix: str) -> list[str]:
        if self.name == "buildah":
            done = self._run(["containers", "--format", "{{.ContainerName}}"])
        else:
            done = self._run(["ps", "-a", "--format", "{{.Names}}"])
        return [n for n in done.stdout.split() if n.startswith(prefix)]

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.binary, *args], capture_output=True, text=True, check=False)


def _check(done: subprocess.CompletedProcess[str], what: str) -> None:
    if done.returncode:
        from skylift.errors import InfraError

        raise InfraError(what, (done.stderr or done.stdout).strip()[-400:], "rerun skylift up")


def probe(name: str, image: str) -> str | None:
    """None when `name` runs a container of `image` here, else why not (one line)."""
    binary = shutil.which(name)
    if binary is None:
        return "not installed"
    if name == "buildah":
        ctr = f"skylift-probe-{os.getpid()}"
        made = _quiet([binary, "from", "--name", ctr, image], 600)
        if made.returncode:
            # the engine works, the image cannot be had: the build says so in its own words
            return None if any(m in made.stderr.lower() for m in _PULL_FAILED) else _why(made)
        try:
            done = _quiet([binary, "run", "--isolation", "chroot", "--network", "host",
                           ctr, "--", "true"], 60)  # fmt: skip
        finally:
            _quiet([binary, "rm", ctr], 60)
    else:
        info = _quiet([binary, "info"], 30)  # docker without its daemon: say that, not a usage line
        if info.returncode:
            return _why(info)
        done = _quiet([binary, "run", "--rm", "--network", "host", "--entrypoint", "true", image],
                      600)  # fmt: skip
    if done.returncode == 0 or any(m in done.stderr.lower() for m in _EXEC_MISSING):
        return None
    return _why(done)


def _quiet(argv: list[str], timeout: int) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(argv, 124, "", f"timed out after {timeout}s")


def _why(done: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in (done.stderr or done.stdout).strip().splitlines() if ln.strip()]
    return (lines[-1] if lines else f"exit {done.returncode}")[:200]


def find(image: str, state: Path, say: Log) -> Engine:
    """The first engine (docker, podman, buildah) that runs `image` here. The choice is kept in
    `state` (engine.json) so later runs do not probe again; a forced one: $SKYLIFT_ENGINE."""
    wanted = os.environ.get("SKYLIFT_ENGINE")
    cache = state / "engine.json"
    if not wanted and cache.is_file():
        known = json.loads(cache.read_text())
        if shutil.which(known.get("binary", "")):
            return Engine(known["name"], known["binary"])
    tried: dict[str, str] = {}
    for name in (wanted,) if wanted else ENGINES:
        why = probe(name, image)
        if why is None:
            engine = Engine(name, shutil.which(name) or name)
            cache.write_text(json.dumps({"name": name, "binary": engine.binary, "tried": tried}))
            skipped = "; ".join(f"{k}: {v}" for k, v in tried.items())
            say(f"container engine: {name}" + (f" (not {skipped})" if skipped else ""))
            return engine
        tried[name] = why
    raise MissingToolError(
        "no container engine can run the app's image here",
        "; ".join(f"{k}: {v}" for k, v in tried.items()),
        "install docker (with its daemon running), podman or buildah; or set SKYLIFT_ENGINE",
    )


def describe(engine: Engine) -> dict[str, Any]:
    return {"name": engine.name, "binary": engine.binary, **engine.enforces()}
