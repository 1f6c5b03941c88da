"""The cost table a reader sees checks out by hand: in MIGRATION.md and migration.html, every
line's quantity x unit price is its monthly amount (to the cent), the total is the sum of the
lines as printed, and the price file's date and each price's source are shown."""

from __future__ import annotations

import html
import re

import pytest

from skylift.plan.report import Plan, render_html, render_markdown
from tests.render import matrix

VARIANTS = matrix.variants()


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("$", "").replace("*", "").strip())


def _markdown_rows(md: str) -> tuple[list[tuple[float, float, float, str]], float]:
    table = md.split("## Monthly cost", 1)[1].split("\n\n", 3)[2]
    rows, total = [], None
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if cells[1] == "**Total**":
            total = _number(cells[4])
            continue
        quantity = cells[2].split(" ")[0]
        source = re.fullmatch(r"\[[^\]]+\]\((https://[^)]+)\)", cells[6])
        assert source, line
        rows.append((_number(quantity), _number(cells[3]), _number(cells[4]), source.group(1)))
    assert total is not None
    return rows, total


def _html_rows(doc: str) -> tuple[list[tuple[float, float, float, str]], float]:
    table = doc.split('<table class="cost">', 1)[1].split("</table>", 1)[0]
    rows, total = [], None
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c))
            for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        ]
        if cells[1] == "Total":
            total = _number(cells[4])
            continue
        source = re.search(r'<a href="([^"]+)">', tr)
        assert source, tr
        rows.append(
            (_number(cells[2].split(" ")[0]), _number(cells[3]), _number(cells[4]), source.group(1))
        )
    assert total is not None
    return rows, total


@pytest.mark.parametrize("name", sorted(VARIANTS))
@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_every_printed_line_and_the_total_check_out(name: str, render) -> None:  # type: ignore[no-untyped-def]
    plan: Plan = VARIANTS[name]
    text = render(plan)
    rows, total = (_markdown_rows if render is render_markdown else _html_rows)(text)
    assert len(rows) == len(plan.estimate.lines) > 10
    for quantity, unit_price, monthly, source in rows:
        assert round(quantity * unit_price, 2) == monthly, (quantity, unit_price, monthly)
        assert source.startswith("https://aws.amazon.com/")
    assert round(sum(m for _, _, m, _ in rows), 2) == total == plan.estimate.total
    assert plan.estimate.prices_retrieved in text and plan.estimate.price_file in text
