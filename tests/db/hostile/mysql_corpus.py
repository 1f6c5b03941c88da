"""The hostile MySQL corpus: a script (MariaDB, sql_mode '' as legacy apps run it) and, per
table, what each row must become — the PostgreSQL row, or the columns kept in skylift.rejects
with a reason (a regex). Checked by tests/db/sources/test_mysql_corpus.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

LONG = "é" * 32  # 64 bytes of a 64-character MySQL name's first 32 characters

SCRIPT = f"""
SET SESSION sql_mode = '';
CREATE TABLE shirts (id int PRIMARY KEY, size enum('Small','LARGE','x-Large') NOT NULL DEFAULT 'LARGE',
  tags set('Red','BLUE'), code char(4));
INSERT INTO shirts VALUES (1, 'Small', 'Red,BLUE', 'ab'), (2, 'LARGE', '', ''), (3, '', NULL, NULL);
CREATE TABLE nums (id int PRIMARY KEY, u bigint unsigned, d double, f float, m decimal(30,10),
  b tinyint(1));
INSERT INTO nums VALUES (1, 18446744073709551615, -0.0, 1.5, 12345678901234567890.0123456789, 1),
  (2, 0, 1.7976931348623157e308, -3.4e38, -0.0000000001, 0), (3, NULL, 5e-324, NULL, 0, 2);
CREATE TABLE times (id int PRIMARY KEY, d date, dt datetime(6), t time, ts timestamp NULL);
INSERT INTO times VALUES (1, '2024-02-29', '2024-02-29 23:59:59.999999', '23:59:59', '2038-01-19 03:14:07'),
  (2, '0000-00-00', '0000-00-00 00:00:00', '00:00:00', NULL),
  (3, '2024-00-10', '2024-01-01 00:00:00', '30:00:00', NULL),
  (4, '2024-02-30', '2024-01-01 00:00:00', '-01:00:00', NULL);
CREATE TABLE texts (id int PRIMARY KEY, t text, l varchar(10) CHARACTER SET latin1, j json);
INSERT INTO texts VALUES (1, '日本語 😀', 'café', '{{"b": [1, 2.50], "a": null}}'),
  (2, CONCAT('a', CHAR(0), 'b'), 'x', '[]'), (3, '', '', '"\\\\u0000"'), (4, 'tab\\there', NULL, '1e2');
CREATE TABLE `order` (`select` int PRIMARY KEY, `ünï 列` text, `a``b` int);
INSERT INTO `order` VALUES (1, 'x', 2);
CREATE TABLE nokey (msg varchar(10), n int);
INSERT INTO nokey VALUES ('a', 1), ('a', 1), ('b', NULL);
CREATE TABLE longnames (id int PRIMARY KEY, `{LONG}_a` int, `{LONG}_b` int, UNIQUE (`{LONG}_a`));
INSERT INTO longnames VALUES (1, 1, 2), (2, 3, 4);
"""

# table -> [(key, expected row, or {column: reason})]; the key is the row's primary key (None:
# a table without one, its rows compared as a multiset)
EXPECTED: dict[str, list[tuple[Any, Any]]] = {
    "shirts": [
        (1, (1, "Small", ["Red", "BLUE"], "ab")),  # labels keep their case; char(4) unpadded
        (2, (2, "LARGE", [], "")),
        (3, {"size": "not a value of the enum"}),
    ],
    "nums": [
        # a tinyint(1) holding 2 is no boolean: smallint
        # (MySQL itself stores the literal -0.0 as 0)
        (1, (1, Decimal(2**64 - 1), 0.0, 1.5, Decimal("12345678901234567890.0123456789"), 1)),
        (2, (2, Decimal(0), 1.7976931348623157e308, -3.4e38, Decimal("-0.0000000001"), 0)),
        (3, (3, None, 5e-324, None, Decimal("0E-10"), 2)),
    ],
    "times": [
        (
            1,
            (
                1,
                dt.date(2024, 2, 29),
                dt.datetime(2024, 2, 29, 23, 59, 59, 999999),
                dt.time(23, 59, 59),
                dt.datetime(2038, 1, 19, 3, 14, 7, tzinfo=dt.UTC),
            ),
        ),
        (2, (2, None, None, dt.time(0), None)),  # zero dates: NULL, with a note
        (3, {"d": "impossible date", "t": "outside 00:00..24:00"}),
        (4, {"t": "outside 00:00..24:00"}),  # MySQL itself made 2024-02-30 a zero date
    ],
    "texts": [
        (1, (1, "日本語 😀", "café", {"a": None, "b": [1, 2.5]})),
        (2, {"t": "NUL byte"}),
        (3, {"j": "jsonb cannot hold NUL"}),
        (4, (4, "tab\there", None, 100)),
    ],
    "order": [(1, (1, "x", 2))],
    "nokey": [(None, ("a", 1)), (None, ("a", 1)), (None, ("b", None))],
    "longnames": [(1, (1, 1, 2)), (2, (2, 3, 4))],
}
