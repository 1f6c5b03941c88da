"""Fixtures for the scanner tests: real repositories written into tmp_path, scanned for real."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from skylift.scan import scan
from skylift.scan.model import AppProfile

Files = dict[str, str | bytes]


def write(root: Path, files: Files) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def package_json(
    deps: dict[str, str] | None = None, dev: dict[str, str] | None = None, **extra: Any
) -> str:
    data: dict[str, Any] = {"name": "app", "version": "1.0.0", **extra}
    data["dependencies"] = deps or {}
    if dev:
        data["devDependencies"] = dev
    return json.dumps(data, indent=2)


@pytest.fixture
def scan_files(tmp_path: Path) -> Callable[[Files], AppProfile]:
    """scan_files({"package.json": ..., "src/index.js": ...}) -> the AppProfile of that repo."""

    def run(files: Files) -> AppProfile:
        return scan(write(tmp_path / "app", files))

    return run


@pytest.fixture
def node_app(scan_files: Callable[[Files], AppProfile]) -> Callable[..., AppProfile]:
    """node_app({"express": "4"}, {"src/index.js": "..."}) -> the AppProfile of a small Node app."""

    def run(
        deps: dict[str, str] | None = None, files: Files | None = None, **pkg: Any
    ) -> AppProfile:
        return scan_files({"package.json": package_json(deps, **pkg), **(files or {})})

    return run
