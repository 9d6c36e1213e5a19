"""Alert e-mail (邮件提醒): recipients and message text. Pure: no I/O."""
from __future__ import annotations

import re

ADDRESS_PATTERN = (r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_ADDRESS = re.compile(ADDRESS_PATTERN)


def is_address(value: str) -> bool:
    """An e-mail recipient is a plain ``local@domain`` address (no display name, no header injection)."""
    return len(value) <= 254 and bool(_ADDRESS.fullmatch(value))


def subject_for(title: str) -> str:
    """Alert e-mails carry the platform's name and the alert's title."""
    return f"[未来社区] {title}"


def body_for(title: str, message: str, project_id: str | None, days_left: int | None) -> str:
    """The alert e-mail repeats what the in-app inbox shows."""
    lines = [title, "", message]
    if project_id:
        lines.append(f"项目 project_id: {project_id}")
    if days_left is not None:
        lines.append(f"剩余天数 days_left: {days_left}")
    lines += ["", "—— 未来社区平台 notify 服务自动发送，请勿直接回复。"]
    return "\n".join(lines)
