"""Options and helpers shared by the command modules (cli.py, dailycli.py)."""

from __future__ import annotations

import datetime as dt

import click


def parse_today(value: str | None) -> dt.date:
    """The date a command takes as today: ``--today``, else the local date."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-22") from None


today_option = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="Take this date as today (default: the local date).",
)
