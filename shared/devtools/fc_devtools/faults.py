"""Fault injection for crash tests: die at a named point, once.

Off unless ``FC_FAULT_CRASH`` is set, e.g. ``after_handle:fc.acceptance.passed`` — the
consumer then exits with SIGKILL's status right after the handler's transaction
committed and before the offset commit. ``FC_FAULT_ONCE_FILE`` makes it fire once
across restarts (the file is created when it fires).
"""
from __future__ import annotations

import os
from pathlib import Path


def install() -> None:
    """Register the crash hook with the consumer when ``FC_FAULT_CRASH`` asks for one (``fc_devtools.serve``)."""
    if os.environ.get("FC_FAULT_CRASH"):
        from fc_shared import inbox

        inbox.after_handle_hooks.append(lambda event_type: maybe_crash("after_handle", event_type))


def maybe_crash(point: str, event_type: str) -> None:
    spec = os.environ.get("FC_FAULT_CRASH")
    if not spec or spec != f"{point}:{event_type}":
        return
    once = os.environ.get("FC_FAULT_ONCE_FILE")
    if once:
        path = Path(once)
        if path.exists():
            return
        path.write_text(f"{point}:{event_type}")
    os._exit(137)
