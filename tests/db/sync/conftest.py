"""Fixtures of the sync tests: a SQLite app database with foreign-key chains, a work folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._load import make_sqlite


@pytest.fixture
def app_db(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    make_sqlite(path)
    return path


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "work"
