"""Check-in statuses."""

from __future__ import annotations


class MonitorStatus:
    """The statuses a check-in can report."""

    IN_PROGRESS = "in_progress"
    OK = "ok"
    ERROR = "error"


__all__ = ["MonitorStatus"]
