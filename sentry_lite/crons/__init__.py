"""Sentry Crons: check-ins telling Sentry that a scheduled job started, succeeded or failed.

``capture_checkin(...)`` sends one check-in; ``monitor(...)`` wraps a function (sync or
async) or a block and sends ``in_progress`` at the start and ``ok`` / ``error`` with the
duration at the end. See docs/crons.md.
"""

from __future__ import annotations

from sentry_lite.crons.api import capture_checkin
from sentry_lite.crons.consts import MonitorStatus
from sentry_lite.crons.decorator import monitor

__all__ = ["MonitorStatus", "capture_checkin", "monitor"]
