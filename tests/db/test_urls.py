"""Passwords never show: every form a URL or DSN carries one in is masked."""

from __future__ import annotations

import pytest

from skylift.db.urls import check_target, mask, mask_text, scheme_of
from skylift.errors import UsageError


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("postgresql://u:s3cret@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgresql://u:s3@cr/et@h/db", "postgresql://u:***@h/db"),  # '@' and '/' unencoded
        ("postgresql://u:s3%40cret@h/db", "postgresql://u:***@h/db"),
        (
            "postgresql://u@h/db?password=s3cret&sslmode=require",
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
        ("host=h port=5432 password=s3cret dbname=d", "host=h port=5432 password=*** dbname=d"),
        ("host=h password = 's3 cr\\'et' dbname=d", "host=h password = *** dbname=d"),
        ("mysql://root:s3cret@127.0.0.1:3306/app", "mysql://root:***@127.0.0.1:3306/app"),
        ("mysql://root@h/app?ssl=1&passwd=s3cret", "mysql://root@h/app?ssl=1&passwd=***"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("postgresql://h/db?application_name=a@b", "postgresql://h/db?application_name=a@b"),
    ],
)
def test_mask(given: str, shown: str) -> None:
    assert mask(given) == shown


def test_mask_text_masks_every_url_in_a_command_line() -> None:
    line = "skylift db migrate 'mysql://a:one@h/x' \"postgresql://b:two@h/y\" password=three"
    masked = mask_text(line)
    assert not any(secret in masked for secret in ("one", "two", "three")), masked


def test_a_dsn_is_postgresql() -> None:
    assert scheme_of("host=localhost dbname=app") == "postgresql"
    check_target("host=localhost dbname=app")


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("mysql://root:s3cret@h/app", "is a MySQL database"),
        ("out.db", "is a file path"),
        ("sqlite:///tmp/x.db", "is a file path"),
        ("ftp://h/x", "not a PostgreSQL URL"),
    ],
)
def test_a_target_must_be_postgresql(target: str, words: str) -> None:
    with pytest.raises(UsageError) as caught:
        check_target(target)
    assert words in caught.value.what and "s3cret" not in caught.value.render()
