from __future__ import annotations

import threading

from sentry_lite.profiler._format import _thread_metadata


def test_a_reused_thread_id_keeps_the_name_it_was_sampled_under() -> None:
    # A sampled thread ended and the current thread now holds its id (thread ids are reused):
    # the profile names the thread its samples came from, not the one alive at sending time.
    tid = threading.get_ident()
    metadata = _thread_metadata({tid}, {tid: "worker-1"})
    assert metadata == {str(tid): {"name": "worker-1"}}


def test_a_thread_the_sampler_never_named_takes_its_live_name_or_its_id() -> None:
    tid = threading.get_ident()
    gone = max(t.ident or 0 for t in threading.enumerate()) + 1
    metadata = _thread_metadata({tid, gone}, {})
    assert metadata[str(tid)] == {"name": threading.current_thread().name}
    assert metadata[str(gone)] == {"name": str(gone)}
