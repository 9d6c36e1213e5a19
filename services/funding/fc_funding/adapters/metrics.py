"""Funding's domain figures for the dashboard."""
from prometheus_client import Gauge
from sqlalchemy import func, select

from fc_shared.metrics import gauge_job

from ..domain.rules import PAID_KINDS
from .tables import ledger_entries

PAID_FEN = Gauge("fc_paid_fen", "Fen paid to streets (interims, disbursements, rewards, net of reversals) per year",
                 ["year"])


async def paid_by_year(session) -> dict[tuple[str], float]:
    rows = (await session.execute(
        select(ledger_entries.c.year, func.sum(ledger_entries.c.amount_fen))
        .where(ledger_entries.c.kind.in_(PAID_KINDS)).group_by(ledger_entries.c.year))).all()
    return {(str(year),): float(total or 0) for year, total in rows if year is not None}


refresh_paid_fen = gauge_job(PAID_FEN, paid_by_year)
