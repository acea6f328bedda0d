"""Dedupe: one exception object, one event, whichever paths capture it."""

from __future__ import annotations

import logging

import sentry_lite


def test_the_same_exception_is_reported_once(sentry_init, sentry_events, sentry_lost) -> None:
    sentry_init()
    try:
        raise ValueError("twice")
    except ValueError as exc:
        sentry_lite.capture_exception(exc)
        sentry_lite.capture_exception(exc)
        logging.getLogger("test_dedupe").error("and logged", exc_info=True)
    assert len(sentry_events) == 1
    assert ("event_processor", "error", 1) in sentry_lost


def test_different_exceptions_are_all_reported(sentry_init, sentry_events) -> None:
    sentry_init()
    for n in range(3):
        try:
            raise ValueError(n)
        except ValueError as exc:
            sentry_lite.capture_exception(exc)
    assert len(sentry_events) == 3


def test_without_dedupe_every_capture_counts(sentry_init, sentry_events) -> None:
    sentry_init(disabled_integrations=["dedupe"])
    error = ValueError("twice")
    sentry_lite.capture_exception(error)
    sentry_lite.capture_exception(error)
    assert len(sentry_events) == 2


class Slotted(Exception):
    """An exception that refuses new attributes."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(name)


def test_exceptions_that_refuse_attributes_fall_back_to_the_last_seen(
    sentry_init, sentry_events
) -> None:
    sentry_init()
    first, second = Slotted("a"), Slotted("b")
    for error in (first, first, second, second):
        sentry_lite.capture_exception(error)
    assert [e["exception"]["values"][0]["value"] for e in sentry_events] == ["a", "b"]


def test_an_exception_pickled_into_another_process_is_new_there(python) -> None:
    import base64
    import pickle

    from sentry_lite.integrations import dedupe

    error = ValueError("crosses processes")
    assert dedupe.seen_before(error) is False
    assert dedupe.seen_before(error) is True
    payload = base64.b64encode(pickle.dumps(error)).decode()
    result = python(
        f"""
        import base64, pickle
        from sentry_lite.integrations.dedupe import seen_before
        error = pickle.loads(base64.b64decode({payload!r}))
        print(seen_before(error), seen_before(error))
        """
    )
    assert result.stdout.split() == ["False", "True"], result.stderr
