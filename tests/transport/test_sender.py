"""The verdict on an answer: the status line alone decides (``_sender.judge``)."""

from __future__ import annotations

import pytest

from sentry_lite.transport._sender import Answer, Outcome, Verdict, judge

WALL = 1_700_000_000.0


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (200, {}, Verdict(Outcome.SENT)),
        (204, {}, Verdict(Outcome.SENT)),
        (429, {"Retry-After": "5"}, Verdict(Outcome.DROPPED)),  # the server counted it
        (413, {}, Verdict(Outcome.DROPPED, "send_error")),
        (400, {}, Verdict(Outcome.DROPPED, "send_error")),
        (404, {}, Verdict(Outcome.DROPPED, "send_error")),
        (302, {}, Verdict(Outcome.DROPPED, "network_error")),  # a redirect left over
        (500, {}, Verdict(Outcome.RETRY)),
        (408, {}, Verdict(Outcome.RETRY)),
        (503, {"Retry-After": "7"}, Verdict(Outcome.RETRY, retry_after=7.0)),
        (503, {"Retry-After": "Tue, 14 Nov 2023 22:14:20 GMT"},
         Verdict(Outcome.RETRY, retry_after=60.0)),
        (102, {}, Verdict(Outcome.RETRY)),  # an interim answer is no verdict: try again
    ],
)
def test_judge(status: int, headers: dict[str, str], expected: Verdict) -> None:
    assert judge(Answer(status, headers), WALL) == expected
