"""What a bench reads about a process from Linux's /proc (the services, the broker, the receivers are processes)."""
from __future__ import annotations

import os
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process (all its threads) has used so far: ``/proc/<pid>/stat`` fields 14 and 15,
    counted after the command name (which may hold spaces and parentheses)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
