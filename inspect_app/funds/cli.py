from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..core.commands import service_errors
from . import services


@click.group("funds")
def funds_cli() -> None:
    """Funding standards, allocations, payments and balances."""


@funds_cli.command("summary")
@click.option("--semester", required=True, help="Semester, e.g. 2023春.")
@with_appcontext
def summary_command(semester: str) -> None:
    """Print a semester's allocations, payments and balance per fund line and programme, in 万元."""
    with service_errors():
        term = services.to_semester(semester)
    figures = services.term_figures(term)
    click.echo(f"{term.long_zh}  (万元)")
    click.echo(f"{'资金项目':<24}{'中省':>12}{'市县':>12}{'上期结转':>12}{'发放人数':>10}{'发放金额':>14}{'结余':>14}")
    for line in figures.lines:
        click.echo(f"{line.fund_line.zh:<24}{services.wan(line.upper):>12}{services.wan(line.city):>12}"
                   f"{services.wan(line.brought_forward):>12}{line.headcount:>10}{services.wan(line.paid):>14}"
                   f"{services.wan(line.balance):>14}")
    click.echo(f"{'合计':<24}{services.wan(figures.total('upper')):>12}{services.wan(figures.total('city')):>12}"
               f"{services.wan(figures.total('brought_forward')):>12}{figures.total('headcount'):>10}"
               f"{services.wan(figures.total('paid')):>14}{services.wan(figures.total('balance')):>14}")
    for item in figures.programmes:
        click.echo(f"  {item.programme.zh:<22}{item.headcount:>10}人 {services.wan(item.paid):>12}万元")


@funds_cli.command("standards")
@with_appcontext
def standards_command() -> None:
    """List the standards table: programme, effective-from semester, tier and yuan per semester."""
    for s in services.standards():
        click.echo(f"{s.programme.zh:<14}{s.effective_from:>8}  档{s.tier}  {s.amount:>10} 元/学期")
