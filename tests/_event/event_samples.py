"""Code that raises, for the hand-checked event structures: line numbers matter here."""

import sentry_lite


def fail(amount):
    limit = 10
    raise ValueError(f"{amount} exceeds {limit}")


def capture_plain():
    try:
        fail(12)
    except ValueError:
        sentry_lite.capture_exception()


def capture_explicit_chain():
    try:
        try:
            fail(12)
        except ValueError as exc:
            raise RuntimeError("payment failed") from exc
    except RuntimeError:
        sentry_lite.capture_exception()


def capture_implicit_chain():
    try:
        try:
            fail(12)
        except ValueError:
            raise KeyError("refund")  # noqa: B904 - the implicit chain is the point
    except KeyError:
        sentry_lite.capture_exception()


def capture_group():
    try:
        raise ExceptionGroup(  # type: ignore[name-defined]  # noqa: F821 - Python 3.11+
            "batch", [ValueError("first"), ExceptionGroup("inner", [OSError(2, "gone")])]  # type: ignore[name-defined]  # noqa: F821
        )
    except ExceptionGroup:  # type: ignore[name-defined]  # noqa: F821
        sentry_lite.capture_exception()


def recurse(depth):
    return recurse(depth + 1)


def capture_recursion():
    try:
        recurse(0)
    except RecursionError as exc:
        sentry_lite.capture_exception()
        return exc
    return None


def message_with_stack():
    note = "checkout"
    sentry_lite.capture_message(f"{note} done")
