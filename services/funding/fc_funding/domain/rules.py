"""Award rules of the district special fund (以奖代补, §5.3 / 五(三)): F1–F7, in integer fen.

Pure functions, no I/O. ``A`` is an award, ``E`` an eligible final expenditure (最终支出额).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

WAN_YUAN_FEN = 1_000_000  # 1 万元 in fen
LEVELS = ("city", "province")
LEVEL_RANK = {"city": 1, "province": 2}
INTERIM_SHARE_PERCENT = 70
INTERIM_CAP_FEN = 700 * WAN_YUAN_FEN
PAID_KINDS = ("interim", "disbursement", "reward")  # ledger kinds that pay the street
MONEY_KINDS = (*PAID_KINDS, "recovery", "repayment", "offset")  # kinds that move money or settle a recovery


def city_award_fen() -> int:
    """F1 (§5.3): passing city-level acceptance (市级验收) earns 1000 万元."""
    return 1000 * WAN_YUAN_FEN


def province_award_fen() -> int:
    """F2 (§5.3): passing provincial acceptance (省级验收) earns 1200 万元."""
    return 1200 * WAN_YUAN_FEN


def award_of_level(level: str) -> int:
    """F1/F2 (§5.3): the award (补助额) for one acceptance level."""
    if level == "city":
        return city_award_fen()
    if level == "province":
        return province_award_fen()
    raise ValueError(f"unknown acceptance level {level!r}")


def highest_level(levels: Iterable[str | None]) -> str | None:
    """F3 (§5.3): the highest level reached among ``levels`` (province above city)."""
    reached = [lv for lv in levels if lv]
    return max(reached, key=lambda lv: LEVEL_RANK[lv]) if reached else None


def capped_award_fen(level_reached: str, covered_level: str | None = None) -> int:
    """F3 (§5.3): one community's subsidy is capped at the award of the highest level it reached (同一社区以最高级别为上限).

    ``covered_level`` is the highest level at which a community of this project was already
    accepted through another project: that award was paid there, so only the top-up is left.
    """
    award = award_of_level(level_reached)
    if covered_level is None:
        return award
    return max(0, award - award_of_level(covered_level))


def interim_fen(target_level: str, covered_level: str | None = None) -> int:
    """F4 (§5.3): task not completed in its year → 70% of the target level's award, at most 700 万元 (核定至70%)."""
    award = capped_award_fen(target_level, covered_level)
    return min(award * INTERIM_SHARE_PERCENT // 100, INTERIM_CAP_FEN)


def street_borne_fen(award: int, expenditure: int) -> int:
    """F5 (§5.3): expenditure above the approved award is borne by the street (超出部分由街道全额承担)."""
    return max(0, expenditure - award)


def subsidy_for_expenditure_fen(award: int, expenditure: int) -> int:
    """F6 (§5.3): expenditure not above the approved award is subsidised at cost (按实际补助)."""
    return min(award, expenditure)


def reward_fen(award: int, expenditure: int) -> int:
    """F7 (§5.3): final expenditure below the award earns 50% of the difference (奖励差额的50%), rounded down to the fen."""
    return max(0, award - expenditure) // 2


def entitlement_fen(award: int, expenditure: int) -> int:
    """F5–F7 (§5.3): entitlement = min(A, E) + floor(max(0, A − E) / 2)."""
    return subsidy_for_expenditure_fen(award, expenditure) + reward_fen(award, expenditure)


SETTLING_KINDS = ("repayment", "offset")


@dataclass(frozen=True)
class Position:
    """Where a project's money stands: paid out, repaid by the street, recoveries recorded and offset."""

    paid_fen: int = 0
    repaid_fen: int = 0
    recovered_fen: int = 0
    offset_fen: int = 0

    @property
    def cash_fen(self) -> int:
        """Cash at the street: paid out less repaid."""
        return self.paid_fen - self.repaid_fen

    @property
    def owed_fen(self) -> int:
        """Recovery still owed (追回 not yet repaid nor netted against a later payment)."""
        return self.recovered_fen - self.repaid_fen - self.offset_fen

    @property
    def net_fen(self) -> int:
        """Cash at the street less recovery still owed: what the street keeps once it has repaid."""
        return self.cash_fen - self.owed_fen


def position(by_kind: Mapping[str, int]) -> Position:
    """§5.3: the position of one project (or street, or year) from its ledger totals by kind."""
    return Position(paid_fen=sum(by_kind.get(k, 0) for k in PAID_KINDS), repaid_fen=by_kind.get("repayment", 0),
                    recovered_fen=by_kind.get("recovery", 0), offset_fen=by_kind.get("offset", 0))


def repayment_refused(owed_fen: int, amount_fen: int) -> bool:
    """§5.3 追回: a street repays at most the recovery it still owes."""
    return amount_fen <= 0 or amount_fen > owed_fen


def paid_and_recovery(by_kind: Mapping[str, int]) -> tuple[int, int]:
    """§5.3 sums: paid = interim + disbursement + reward entries; recovery due = what is still owed."""
    held = position(by_kind)
    return held.paid_fen, held.owed_fen


def amount_due_fen(entitlement: int, net_paid: int) -> int:
    """F4/F3 (§5.3): pay the entitlement less everything already paid (拨付剩余); negative is a recovery (追回)."""
    return entitlement - net_paid


@dataclass(frozen=True)
class Payment:
    """One ledger movement a decision asks for: ``interim``, ``disbursement``, ``reward`` or ``recovery``."""

    kind: str
    amount_fen: int
    rules: tuple[str, ...]


@dataclass(frozen=True)
class AcceptanceSettlement:
    """What one passed acceptance decides (核定 and 拨付/追回)."""

    level_reached: str
    award_fen: int
    entitlement_fen: int
    street_borne_fen: int
    rules: tuple[str, ...]
    payments: tuple[Payment, ...]


def _rule_of_level(level: str) -> str:
    return "F1" if level == "city" else "F2"


def settle_acceptance(*, level: str, earlier_levels: Iterable[str] = (), covered_level: str | None = None,
                      eligible_expenditure_fen: int, net_paid_fen: int = 0, reward_paid_fen: int = 0,
                      interim_paid: bool = False, recovery_owed_fen: int = 0) -> AcceptanceSettlement:
    """F1–F7 (§5.3): approve the entitlement of a passed acceptance and pay or recover the difference.

    ``net_paid_fen`` is the cash at the street less the recovery it still owes
    (``recovery_owed_fen``); ``reward_paid_fen`` the F7 rewards paid so far. A positive
    difference first nets what is still owed (an ``offset``: the street keeps that much of
    the cash it owed back), then its F7 part is paid as its own ``reward`` entry, the rest as
    a ``disbursement``; a negative difference is one ``recovery``.
    """
    if eligible_expenditure_fen < 0:
        raise ValueError("expenditure cannot be negative")
    earlier = list(earlier_levels)
    reached = highest_level([level, *earlier])
    assert reached is not None
    award = capped_award_fen(reached, covered_level)
    entitled = entitlement_fen(award, eligible_expenditure_fen)
    rules = [_rule_of_level(reached)]
    if earlier or covered_level is not None:
        rules.append("F3")
    if interim_paid:
        rules.append("F4")
    if eligible_expenditure_fen > award:
        rules.append("F5")
    else:
        rules.append("F6")
    if eligible_expenditure_fen < award:
        rules.append("F7")
    due = amount_due_fen(entitled, net_paid_fen)
    payments: list[Payment] = []
    if due > 0:
        offset = min(due, max(0, recovery_owed_fen))
        if offset:
            payments.append(Payment("offset", offset, tuple(rules)))
        due -= offset
        reward_now = min(due, max(0, reward_fen(award, eligible_expenditure_fen) - reward_paid_fen))
        if due - reward_now:
            payments.append(Payment("disbursement", due - reward_now, tuple(r for r in rules if r != "F7")))
        if reward_now:
            payments.append(Payment("reward", reward_now, (rules[0], "F7")))
    elif due < 0:
        payments.append(Payment("recovery", -due, tuple(rules)))
    return AcceptanceSettlement(level_reached=reached, award_fen=award, entitlement_fen=entitled,
                                street_borne_fen=street_borne_fen(award, eligible_expenditure_fen),
                                rules=tuple(rules), payments=tuple(payments))


def settle_cancellation(held: Position) -> Payment | None:
    """F4 (§5.3): a cancelled project (撤销创建) is entitled to nothing; what the street holds becomes a recovery (追回)."""
    due = amount_due_fen(0, held.net_fen)
    return Payment("recovery", -due, ("F4",)) if due < 0 else None


@dataclass(frozen=True)
class Reversal:
    """What finance's reversal (冲销) of one entry decides: refused (with why), or the follow-up entries that keep
    cash at the street − recovery still owed = the entitlement (the reversing entry itself is always −amount)."""

    refused: str | None = None
    follow_ups: tuple[Payment, ...] = ()


def settle_reversal(*, kind: str, amount_fen: int, rules_: tuple[str, ...], held: Position,
                    cancelled: bool) -> Reversal:
    """§5.3 corrections (冲销): a reversal voids a booked movement; it never changes what the street is entitled to.

    DOMAIN.md is silent on reversals; the decision, per kind (``held`` is the position before the reversal):

    - ``repayment``: the repayment was recorded in error (wrong voucher, returned): the recovery it settled is
      owed again. Cash and owed both rise by the amount, so nothing else is booked.
    - ``interim``/``disbursement``/``reward``: the payment never reached the street (booked in error, or the
      transfer came back). What the street still owes is first reduced by it (an ``offset``: a street does not
      repay money it never got, e.g. the interim of a cancelled project); any rest is paid again, as the same
      kind. With no recovery owed the reversal would only re-pay the same amount, so it is refused: the rules
      still entitle the street to it (correct the acceptance upstream if its figures were wrong). A cancelled
      project is paid nothing: when the street already repaid part of it, the reversal is refused until
      those repayments are reversed (then it nets in full).
    - ``offset``: undoing a netting: the recovery is owed again and the netted part of the payment is paid out
      in cash (a ``disbursement``), so the street can settle the recovery by repayment instead (a repayment made
      before the netting was recorded). Refused on a cancelled project, which is paid nothing.
    - ``recovery``: refused. It is what the rules decided (the street holds more than its entitlement, 追回
      recorded, never silently dropped); it is settled by repayment or netting, not reversed.
    - ``approval`` (核定, no money moves) and reversing entries themselves: refused.
    """
    if amount_fen <= 0:
        return Reversal(refused="only an original entry (positive amount) is reversed")
    if kind == "repayment":
        return Reversal()
    if kind in PAID_KINDS:
        owed = max(0, held.owed_fen)
        if owed == 0:
            return Reversal(refused=f"the rules still entitle the street to this {kind} and it owes no recovery to "
                                    "net it against: reversing it would only pay it again (correct the acceptance "
                                    "result instead if its figures were wrong)")
        if cancelled and amount_fen > owed:
            return Reversal(refused=f"a cancelled project is paid nothing, and it owes only {owed} fen of this "
                                    f"{amount_fen} fen {kind}: reverse the repayments recorded for it first")
        netted = min(amount_fen, owed)
        follow = [Payment("offset", netted, rules_)]
        if amount_fen - netted:
            follow.append(Payment(kind, amount_fen - netted, rules_))
        return Reversal(follow_ups=tuple(follow))
    if kind == "offset":
        if cancelled:
            return Reversal(refused="a cancelled project is paid nothing: its recovery stays netted")
        return Reversal(follow_ups=(Payment("disbursement", amount_fen, rules_),))
    if kind == "recovery":
        return Reversal(refused="a recovery follows from the rules (the street holds more than its entitlement); "
                                "record its repayment, or it is netted against a later payment")
    return Reversal(refused="only interim, disbursement, reward, repayment and offset entries are reversed")


@dataclass(frozen=True)
class Movement:
    """One ledger row as recovery attribution sees it (``key``: the year or street it is booked under)."""

    id: int
    project_id: str
    kind: str
    amount_fen: int
    key: Any
    reverses_entry_id: int | None = None


@dataclass
class RecoveryFigures:
    recovered_fen: int = 0
    repaid_fen: int = 0
    offset_fen: int = 0

    @property
    def due_fen(self) -> int:
        return self.recovered_fen - self.repaid_fen - self.offset_fen


def attribute_recoveries(movements: Iterable[Movement]) -> dict[Any, RecoveryFigures]:
    """§5.3 追回 by year (or street): each repayment and netting settles the oldest recovery still owed on its
    project (first in, first out), and is counted where that recovery is booked, so a repayment made in a later
    year lowers the recovery it settled, never the later year's figure. A reversed repayment or offset gives
    back exactly what it had settled. ``movements`` are recovery, repayment and offset rows in booking order."""
    figures: dict[Any, RecoveryFigures] = {}
    open_: dict[str, list[list]] = {}  # project → [[key, amount still owed]] oldest first
    settled_by: dict[int, list[tuple[Any, int]]] = {}  # settling entry id → [(key, part)]

    def fig(key) -> RecoveryFigures:
        return figures.setdefault(key, RecoveryFigures())

    for m in movements:
        queue = open_.setdefault(m.project_id, [])
        if m.kind == "recovery":
            fig(m.key).recovered_fen += m.amount_fen
            if m.amount_fen > 0:
                queue.append([m.key, m.amount_fen])
            else:  # an old reversal of a recovery: it takes back from that recovery's own key
                take = -m.amount_fen
                for slot in (s for s in queue if s[0] == m.key):
                    part = min(take, slot[1])
                    slot[1] -= part
                    take -= part
        elif m.kind in SETTLING_KINDS:
            field = "repaid_fen" if m.kind == "repayment" else "offset_fen"
            if m.reverses_entry_id is not None:
                for key, part in reversed(settled_by.pop(m.reverses_entry_id, [])):
                    setattr(fig(key), field, getattr(fig(key), field) - part)
                    queue.insert(0, [key, part])
                continue
            left, parts = m.amount_fen, []
            for slot in queue:
                if left <= 0:
                    break
                part = min(left, slot[1])
                if part:
                    slot[1] -= part
                    left -= part
                    parts.append((slot[0], part))
            if left > 0:  # more settled than recorded as owed (cannot happen through the API): keep it visible
                parts.append((m.key, left))
            open_[m.project_id] = [s for s in queue if s[1] > 0]
            for key, part in parts:
                setattr(fig(key), field, getattr(fig(key), field) + part)
            settled_by[m.id] = parts
    return figures


NO_INTERIM_STATES = ("withdrawn", "rejected", "declined", "cancelled", "accepted", "named")


def year_has_ended(year: int, today: date) -> bool:
    """F4 (§5.3): a task year has ended from 1 January of the next year, in the district's time zone."""
    return today >= date(year + 1, 1, 1)


def interim_eligible(*, task_year: int | None, approved: bool, accepted_level: str | None, state: str,
                     year: int, today: date, first_accepted_on: date | None = None) -> bool:
    """F4 (§5.3): a year-end interim is due for ``year`` once that year has ended, when it is the project's task
    year, the project is approved, not cancelled, and was not accepted on or before 31 December of it."""
    if not year_has_ended(year, today) or task_year != year or not approved:
        return False
    if first_accepted_on is not None and first_accepted_on <= date(year, 12, 31):
        return False
    return accepted_level is None and state not in NO_INTERIM_STATES


def covered_level_of(community_levels: Mapping[str, str | None]) -> str | None:
    """F3 across projects (§5.3): a project counts as covered at a level only when every one of its communities
    is covered at that level or above (by other projects); the level is the lowest among them, else None."""
    levels = list(community_levels.values())
    if not levels or any(lv is None for lv in levels):
        return None
    return min(levels, key=lambda lv: LEVEL_RANK[lv])


def interim_payment(target_level: str, covered_level: str | None = None) -> Payment | None:
    """F4 (§5.3): the year-end interim for an unfinished creation task, or None when nothing is due."""
    amount = interim_fen(target_level, covered_level)
    if amount <= 0:
        return None
    rules = (_rule_of_level(target_level), "F3", "F4") if covered_level else (_rule_of_level(target_level), "F4")
    return Payment("interim", amount, rules)
