"""Who is alerted of which event (in-app inbox 站内提醒). Pure: no I/O."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

DISTRICT_OFFICE = "district_office"
FINANCE = "finance"

DEADLINE_KINDS_ZH = {
    "creation": "创建期限", "plan_upload": "方案上传", "special_plan_publish": "专项规划发布",
    "special_plan_approve": "专项规划批复", "summary": "工作总结", "problem": "问题整改",
}
PERIODS_ZH = {"weekly": "周", "half_monthly": "半月", "monthly": "月"}


def street_recipient(street_code: str) -> str:
    """An inbox key: one street's inbox (街道)."""
    return f"street:{street_code}"


def recipient_of(role: str, street_code: str | None) -> str | None:
    """The inbox a caller reads: the street's own, or the role's (区风貌办, 区财政); None for roles without one."""
    if role == "street":
        return street_recipient(street_code) if street_code else None
    return role if role in (DISTRICT_OFFICE, FINANCE) else None


def alert_type(event_type: str) -> str:
    """An alert's type names its event in the domain's words: ``fc.deadline.approaching`` → ``deadline_approaching``."""
    return event_type.removeprefix("fc.").replace(".", "_")


@dataclass(frozen=True)
class AlertSpec:
    recipient: str
    type: str
    street_code: str | None
    project_id: str | None
    days_left: int | None
    title: str
    message: str


def _days_left(data: dict[str, Any], today: date) -> int | None:
    if isinstance(data.get("days_left"), int):
        return data["days_left"]
    try:
        return (date.fromisoformat(str(data["due_on"])) - today).days
    except (KeyError, ValueError):
        return None


def _fen_yuan(value: Any) -> str:
    try:
        return f"{int(value) / 100:,.2f} 元"
    except (TypeError, ValueError):
        return "—"


def _text(event_type: str, data: dict[str, Any], days_left: int | None) -> tuple[str, str]:
    project = data.get("name") or data.get("project_id") or ""
    kind = DEADLINE_KINDS_ZH.get(str(data.get("kind")), str(data.get("kind") or "期限"))
    if event_type == "fc.deadline.approaching":
        return f"{kind}临近", f"{project} {kind}将于 {data.get('due_on')} 到期，剩余 {days_left} 天。"
    if event_type == "fc.deadline.breached":
        return f"{kind}已逾期", f"{project} {kind}已于 {data.get('due_on')} 到期，尚未完成。"
    if event_type == "fc.summary.overdue":
        period = PERIODS_ZH.get(str(data.get("period")), str(data.get("period")))
        return f"{period}工作总结逾期", (f"街道 {data.get('street_code')} 的{period}工作总结（{data.get('period_start')}"
                                    f"–{data.get('period_end')}）应于 {data.get('due_on')} 报送，尚未报送。")
    if event_type == "fc.subsidy.approved":
        return "补助已核定", f"项目 {data.get('project_id')} 核定补助 {_fen_yuan(data.get('entitlement_fen'))}（{','.join(data.get('rules') or [])}）。"
    if event_type == "fc.subsidy.disbursed":
        return "补助已拨付", f"项目 {data.get('project_id')} 拨付 {_fen_yuan(data.get('amount_fen'))}（{data.get('kind')}）。"
    if event_type == "fc.subsidy.recovery_due":
        return "补助需追回", f"项目 {data.get('project_id')} 需追回 {_fen_yuan(data.get('amount_fen'))}。"
    if event_type == "fc.budget.exceeded":
        return "年度预算超支", (f"{data.get('year')} 年专项资金承诺 {_fen_yuan(data.get('committed_fen'))}"
                          f"超过预算 {_fen_yuan(data.get('budget_fen'))}。")
    if event_type == "fc.webhook.endpoint_disabled":
        return "推送端点已停用", f"推送地址 {data.get('url')} 已停用：{data.get('reason')}。"
    if event_type == "fc.acceptance.passed":
        return "验收通过", f"项目 {data.get('project_id')} 通过{data.get('level')}级验收。"
    if event_type == "fc.acceptance.failed":
        return "验收未通过", f"项目 {data.get('project_id')} 未通过{data.get('level')}级验收。"
    return event_type, event_type


def _audience(event_type: str) -> tuple[bool, tuple[str, ...]] | None:
    """(the project's street too?, role inboxes) for each alerting event type."""
    if event_type in ("fc.deadline.approaching", "fc.deadline.breached", "fc.summary.overdue",
                      "fc.acceptance.passed", "fc.acceptance.failed"):
        return True, (DISTRICT_OFFICE,)
    if event_type.startswith("fc.subsidy."):
        return True, (FINANCE,)
    if event_type == "fc.budget.exceeded":
        return False, (FINANCE,)
    if event_type == "fc.webhook.endpoint_disabled":
        return False, (DISTRICT_OFFICE,)
    return None


def alerts_for(event_type: str, data: dict[str, Any], today: date) -> list[AlertSpec]:
    """Alert routing: deadlines, overdue summaries and acceptance results → the street and 区风貌办;
    subsidy events → the street and 区财政; budget exceeded → 区财政; endpoint disabled → 区风貌办."""
    audience = _audience(event_type)
    if audience is None:
        return []
    with_street, roles = audience
    street_code = data.get("street_code") or None
    project_id = data.get("project_id") or None
    days_left = _days_left(data, today) if event_type.startswith(("fc.deadline.", "fc.summary.")) else None
    title, message = _text(event_type, data, days_left)
    recipients = list(roles)
    if with_street and street_code:
        recipients.insert(0, street_recipient(street_code))
    return [AlertSpec(recipient=r, type=alert_type(event_type), street_code=street_code, project_id=project_id,
                      days_left=days_left, title=title, message=message) for r in recipients]
