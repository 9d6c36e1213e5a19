"""Ledger use cases: acceptance settlement (核定 + 拨付/追回), year-end interims (F4), reversals, budget alerts.

Every money movement is one append-only row in ``ledger_entries``; the unique
(project, basis, kind) key makes each cause pay at most once, also under concurrent
duplicates. Callers lock the project row first so one project's money is decided serially.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Row

from fc_shared.contracts import eligible_expenditure_fen
from fc_shared.db import insert_ignore, upsert, writers_serialised
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import (
    approvals,
    budgets,
    community_awards,
    community_locks,
    ledger_entries,
    projects,
    year_closes,
)
from ..domain import plans, rules


async def lock_project(uow: UnitOfWork, project_id: str) -> Row | None:
    stmt = select(projects).where(projects.c.id == project_id).with_for_update()
    return (await uow.session.execute(stmt)).first()


async def lock_communities(uow: UnitOfWork, community_ids) -> None:
    """F3 across projects: settlements touching a community serialize on its row, locks taken in sorted order
    (after the project's own lock), so two projects sharing communities cannot deadlock nor both pay in full.

    Where writers are serialised already (SQLite: ``fc_shared.db.writers_serialised``) there is nothing to take,
    and a lock row would cost two statements an acceptance for nothing (issue 15's chain profile)."""
    if writers_serialised(uow.session):
        return
    ids = sorted(set(community_ids or []))
    for community_id in ids:
        await insert_ignore(uow.session, community_locks, {"community_id": community_id}, key=["community_id"])
    if ids:
        await uow.session.execute(select(community_locks.c.community_id)
                                  .where(community_locks.c.community_id.in_(ids))
                                  .order_by(community_locks.c.community_id).with_for_update())


async def project_position(session, project_id: str) -> tuple[rules.Position, dict[str, int]]:
    by_kind = await totals_by_kind(session, ledger_entries.c.project_id == project_id)
    return rules.position(by_kind), by_kind


async def totals_by_kind(session, *where) -> dict[str, int]:
    stmt = (select(ledger_entries.c.kind, func.coalesce(func.sum(ledger_entries.c.amount_fen), 0))
            .where(*where).group_by(ledger_entries.c.kind))
    return {kind: int(total) for kind, total in (await session.execute(stmt)).all()}


async def coverage(session, project: Row) -> tuple[str | None, dict[str, str]]:
    """F3 across projects: the level this project counts as covered at (every community covered at it or above,
    through other projects), and each community already covered with its highest level."""
    ids = sorted(set(project.community_ids or []))
    if not ids:
        return None, {}
    stmt = select(community_awards.c.community_id, community_awards.c.level).where(
        community_awards.c.community_id.in_(ids), community_awards.c.project_id != project.id)
    found: dict[str, list[str]] = {}
    for r in (await session.execute(stmt)).all():
        found.setdefault(r.community_id, []).append(r.level)
    levels = {c: rules.highest_level(found.get(c, [])) for c in ids}
    return rules.covered_level_of(levels), {c: lv for c, lv in levels.items() if lv}


async def covered_level(session, project: Row) -> str | None:
    return (await coverage(session, project))[0]


async def _committed_in_year(session, year: int) -> int:
    stmt = select(func.coalesce(func.sum(ledger_entries.c.amount_fen), 0)).where(
        ledger_entries.c.year == year, ledger_entries.c.kind.in_(rules.PAID_KINDS))
    return int((await session.execute(stmt)).scalar_one())


async def add_entry(uow: UnitOfWork, project: Row, *, kind: str, amount_fen: int, rules_: tuple[str, ...] | list[str],
                    basis: str, year: int, source_event_id: str | None = None, created_by: str | None = None,
                    reverses_entry_id: int | None = None, reason: str | None = None,
                    reference: str | None = None, booked_on: date | None = None,
                    extra: dict[str, Any] | None = None) -> int:
    """Append one entry; payments and recoveries are announced, and payments are checked against the budget."""
    session = uow.session
    budget, committed_before = None, 0
    if kind in rules.PAID_KINDS and reverses_entry_id is None:
        # the year's commitments are summed only when there is a budget to hold them against
        budget = (await session.execute(select(budgets.c.budget_fen).where(budgets.c.year == year))).scalar()
        if budget is not None and amount_fen > 0:
            committed_before = await _committed_in_year(session, year)
    result = await session.execute(insert(ledger_entries), dict(
        project_id=project.id, street_code=project.street_code, kind=kind, amount_fen=amount_fen,
        rules=list(rules_), basis=basis, year=year, source_event_id=source_event_id, created_by=created_by,
        reverses_entry_id=reverses_entry_id, reason=reason, reference=reference, booked_on=booked_on,
        at=utcnow()))
    entry_id = int(result.inserted_primary_key[0])
    common = {"project_id": project.id, "street_code": project.street_code, "entry_id": entry_id,
              "amount_fen": amount_fen, "rules": list(rules_), "year": year, **(extra or {})}
    if reverses_entry_id is not None:
        # Announced too (negative amount), so projections downstream keep the same totals.
        common.update(reverses_entry_id=reverses_entry_id, reason=reason)
    elif reason and kind in (*rules.PAID_KINDS, *rules.SETTLING_KINDS):
        common["reason"] = reason  # why it was netted, or paid after a reversal
    if kind in rules.PAID_KINDS:
        uow.emit("fc.subsidy.disbursed", project.id, {**common, "kind": kind})
        if reverses_entry_id is not None:
            return entry_id
        if plans.budget_exceeded(budget, committed_before, amount_fen):
            uow.emit("fc.budget.exceeded", project.id, {
                "year": year, "budget_fen": int(budget), "committed_fen": committed_before + amount_fen,
                "project_id": project.id, "street_code": project.street_code, "entry_id": entry_id})
    elif kind == "recovery":
        uow.emit("fc.subsidy.recovery_due", project.id, {**common, **({"reason": reason} if reason else {})})
    elif kind in rules.SETTLING_KINDS:
        held, _ = await project_position(session, project.id)
        uow.emit("fc.subsidy.recovery_settled", project.id, {
            **common, "kind": kind, "reference": reference, "on": booked_on,
            "recovery_due_fen": held.owed_fen})
    return entry_id


def passed_data(data: dict[str, Any]) -> tuple[str, str, date, int, dict[str, int]]:
    level = data.get("level")
    if level not in rules.LEVELS:
        raise ValueError(f"fc.acceptance.passed with unknown level {level!r}")
    raw = data.get("final_expenditure_fen") or {}
    if not isinstance(raw, dict) or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in raw.values()):
        raise ValueError("final_expenditure_fen must map categories to non-negative integer fen")
    return (str(data["acceptance_id"]), level, date.fromisoformat(data["decided_on"]),
            eligible_expenditure_fen(raw), raw)


async def settle_acceptance(uow: UnitOfWork, project: Row, data: dict[str, Any], source_event_id: str) -> bool:
    """§5.3: record the approval (核定) of a passed acceptance and pay or recover the difference, once per level."""
    acceptance_id, level, decided_on, eligible, _ = passed_data(data)
    session = uow.session
    earlier = (await session.execute(select(approvals.c.level, approvals.c.acceptance_id)
                                      .where(approvals.c.project_id == project.id))).all()
    if any(r.level == level for r in earlier):
        return False  # the same acceptance again (other delivery, other event id): paid already
    if project.state == "cancelled":
        return False  # F4: a cancelled project earns nothing (what it held was recovered on cancellation)
    await lock_communities(uow, project.community_ids)
    held, by_kind = await project_position(session, project.id)
    covered, covered_communities = await coverage(session, project)
    decision = rules.settle_acceptance(
        level=level, earlier_levels=[r.level for r in earlier], covered_level=covered,
        eligible_expenditure_fen=eligible, net_paid_fen=held.net_fen, recovery_owed_fen=held.owed_fen,
        reward_paid_fen=by_kind.get("reward", 0), interim_paid=by_kind.get("interim", 0) > 0)
    trail = ("F3: communities already covered through other projects: "
             + ", ".join(f"{c} ({lv})" for c, lv in covered_communities.items())) if covered_communities else None
    now = utcnow()
    await session.execute(insert(approvals), dict(
        project_id=project.id, street_code=project.street_code, acceptance_id=acceptance_id, level=level,
        decided_on=decided_on, award_fen=decision.award_fen, eligible_expenditure_fen=eligible,
        entitlement_fen=decision.entitlement_fen, rules=list(decision.rules), source_event_id=source_event_id,
        street_borne_fen=decision.street_borne_fen, covered_communities=covered_communities, at=now))
    for community_id in project.community_ids or []:
        await session.execute(insert(community_awards), dict(community_id=community_id, project_id=project.id,
                                                              level=level))
    basis = f"acceptance:{level}"
    await add_entry(uow, project, kind="approval", amount_fen=decision.entitlement_fen, rules_=decision.rules,
                    basis=basis, year=decided_on.year, source_event_id=source_event_id, reason=trail,
                    booked_on=decided_on)
    uow.emit("fc.subsidy.approved", project.id, {
        "project_id": project.id, "street_code": project.street_code, "acceptance_id": acceptance_id,
        "level": level, "award_fen": decision.award_fen, "entitlement_fen": decision.entitlement_fen,
        "rules": list(decision.rules), "decided_on": decided_on, "eligible_expenditure_fen": eligible,
        "street_borne_fen": decision.street_borne_fen, "covered_communities": covered_communities})
    for payment in decision.payments:
        why = (f"netted against the recovery still owed ({held.owed_fen} fen) before paying"
               if payment.kind == "offset" else None)
        await add_entry(uow, project, kind=payment.kind, amount_fen=payment.amount_fen, rules_=payment.rules,
                        basis=basis, year=decided_on.year, source_event_id=source_event_id, reason=why,
                        booked_on=decided_on, extra={"acceptance_id": acceptance_id, "level": level})
    return True


async def year_closed(session, year: int) -> bool:
    return (await session.execute(select(year_closes.c.year).where(year_closes.c.year == year))).first() is not None


async def pay_interim(uow: UnitOfWork, project: Row, year: int, *, source_event_id: str | None = None,
                      created_by: str | None = None) -> int | None:
    """F4: pay the year-end interim once per project; None when nothing is (or is no longer) due."""
    session = uow.session
    first_accepted_on = (await session.execute(select(func.min(approvals.c.decided_on))
                                               .where(approvals.c.project_id == project.id))).scalar()
    if not rules.interim_eligible(task_year=project.task_year, approved=project.approved_on is not None,
                                  accepted_level=project.accepted_level, state=project.state, year=year,
                                  today=uow.clock.today(), first_accepted_on=first_accepted_on):
        return None
    if first_accepted_on is not None:
        return None  # accepted at some level already: the acceptance settles the money, not an interim
    if (await session.execute(select(ledger_entries.c.id).where(
            ledger_entries.c.project_id == project.id, ledger_entries.c.basis == "interim"))).first():
        return None
    # F3 across projects: the coverage is read under the communities' locks, like an acceptance's settlement
    # (project lock first, then its communities in sorted order), so it is never read mid-settlement.
    await lock_communities(uow, project.community_ids)
    payment = rules.interim_payment(project.target_level, await covered_level(session, project))
    if payment is None:
        return None
    return await add_entry(uow, project, kind="interim", amount_fen=payment.amount_fen, rules_=payment.rules,
                           basis="interim", year=year, source_event_id=source_event_id, created_by=created_by)


async def cancel(uow: UnitOfWork, project: Row, *, reason: str | None, source_event_id: str) -> int | None:
    """F4: a cancelled creation (撤销创建) earns nothing; what the street holds (an interim paid as an advance on
    an award that will not be earned) becomes a recovery due, citing F4 and the cancellation. Once per project."""
    held, _ = await project_position(uow.session, project.id)
    payment = rules.settle_cancellation(held)
    if payment is None:
        return None
    exists = (await uow.session.execute(select(ledger_entries.c.id).where(
        ledger_entries.c.project_id == project.id, ledger_entries.c.basis == "cancellation",
        ledger_entries.c.kind == "recovery"))).first()
    if exists:
        return None
    return await add_entry(uow, project, kind="recovery", amount_fen=payment.amount_fen, rules_=payment.rules,
                           basis="cancellation", year=uow.clock.year(), source_event_id=source_event_id,
                           reason=f"project cancelled (撤销创建): {reason or ''}".rstrip(": "))


async def record_repayment(uow: UnitOfWork, project_id: str, *, amount_fen: int, repaid_on: date, reference: str,
                           by: str) -> int:
    """追回: finance records a street's repayment of a recovery it owes; never more than is still owed."""
    project = await lock_project(uow, project_id)
    if project is None:
        raise Problem(404, "Not Found", "funding knows no such project", type_="unknown-project")
    held, _ = await project_position(uow.session, project.id)
    if rules.repayment_refused(held.owed_fen, amount_fen):
        raise Problem(422, "Over-repayment",
                      f"repayment of {amount_fen} fen exceeds the recovery still owed ({held.owed_fen} fen)",
                      type_="over-repayment")
    basis = f"repayment:{reference}"
    if (await uow.session.execute(select(ledger_entries.c.id).where(
            ledger_entries.c.project_id == project.id, ledger_entries.c.basis == basis))).first():
        raise Problem(409, "Repayment already recorded", f"a repayment with reference {reference!r} is recorded",
                      type_="duplicate-repayment")
    return await add_entry(uow, project, kind="repayment", amount_fen=amount_fen, rules_=("§5.3",), basis=basis,
                           year=repaid_on.year, created_by=by, reference=reference, booked_on=repaid_on)


async def close_year(uow: UnitOfWork, year: int, closed_by: str) -> list[int]:
    """F4: at year end pay the interim of every approved project whose task year ended unaccepted."""
    session = uow.session
    await insert_ignore(session, year_closes, {"year": year, "closed_at": utcnow(), "closed_by": closed_by},
                        key=["year"])
    ids = (await uow.session.execute(select(projects.c.id).where(projects.c.task_year == year)
                                     .order_by(projects.c.id))).scalars().all()
    # One lock order for every transaction: projects (by id) before any community (by id). The close locks every
    # project of the year first, then all their communities, so it never holds a community while it waits for a
    # project that a concurrent settlement holds (which would then wait for that community: a deadlock).
    locked = [await lock_project(uow, project_id) for project_id in ids]
    await lock_communities(uow, [c for project in locked if project is not None for c in project.community_ids or []])
    paid = []
    for project in locked:
        if project is None:
            continue
        entry_id = await pay_interim(uow, project, year, created_by=closed_by)
        if entry_id is not None:
            paid.append(entry_id)
    return paid


async def set_budget(uow: UnitOfWork, year: int, budget_fen: int, note: str, by: str) -> None:
    """Finance sets the annual budget of the district special fund (区财政专项资金)."""
    await upsert(uow.session, budgets, {"year": year}, {"budget_fen": budget_fen, "note": note, "set_by": by,
                                                        "set_at": utcnow()})


async def reverse_entry(uow: UnitOfWork, entry_id: int, reason: str, by: str) -> int:
    """Corrections never update: a reversing entry of the opposite amount, with its reason, and the follow-up
    entries that keep cash at the street − recovery still owed = the entitlement (rules.settle_reversal says
    what a reversal of each kind means; one that would break that is refused, 409, nothing written)."""
    session = uow.session
    entry = (await session.execute(select(ledger_entries).where(ledger_entries.c.id == entry_id))).first()
    if entry is None:
        raise Problem(404, "Not Found", "no such ledger entry")
    project = await lock_project(uow, entry.project_id)
    if entry.reverses_entry_id is not None:
        raise Problem(409, "Not reversible", "a reversing entry cannot itself be reversed", type_="not-reversible")
    done = (await session.execute(select(ledger_entries.c.id)
                                  .where(ledger_entries.c.reverses_entry_id == entry_id))).first()
    if done:
        raise Problem(409, "Already reversed", f"entry {entry_id} was reversed by entry {done.id}",
                      type_="already-reversed")
    held, _ = await project_position(session, project.id)
    decision = rules.settle_reversal(kind=entry.kind, amount_fen=entry.amount_fen, rules_=tuple(entry.rules),
                                     held=held, cancelled=project.state == "cancelled")
    if decision.refused:
        raise Problem(409, "Not reversible", f"entry {entry_id} ({entry.kind}): {decision.refused}",
                      type_="not-reversible")
    today = uow.clock.today()
    reversal_id = await add_entry(uow, project, kind=entry.kind, amount_fen=-entry.amount_fen, rules_=entry.rules,
                                  basis=f"reversal:{entry_id}", year=entry.year, created_by=by,
                                  reverses_entry_id=entry_id, reason=reason, reference=entry.reference,
                                  booked_on=today)
    for follow in decision.follow_ups:
        if follow.kind == "offset":
            why = f"netted against the recovery still owed: entry {entry_id} ({entry.kind}) was reversed"
        elif entry.kind == "offset":
            why = f"paid out: the netting of entry {entry_id} was reversed, the recovery is owed again"
        else:
            why = f"paid again after entry {entry_id} was reversed"
        await add_entry(uow, project, kind=follow.kind, amount_fen=follow.amount_fen, rules_=follow.rules,
                        basis=f"after-reversal:{entry_id}", year=entry.year, created_by=by,
                        reason=f"{why}: {reason}", booked_on=today)
    return reversal_id
