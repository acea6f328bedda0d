"""Stack frames: filenames, in_app, hidden frames, source, locals, bounds."""

from __future__ import annotations

import linecache
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import sentry_lite
from sentry_lite._event.frames import FrameBuilder, current_stacktrace, stacktrace_from_traceback
from sentry_lite._event.paths import Paths, filename_for
from sentry_lite._options import Options


def caught(func: Any, *args: Any, **kwargs: Any) -> BaseException:
    try:
        func(*args, **kwargs)
    except BaseException as exc:
        return exc
    raise AssertionError("did not raise")


def frames_of(exc: BaseException, **options: Any) -> list[dict[str, Any]]:
    stacktrace, _ = stacktrace_from_traceback(exc.__traceback__, Options(**options))
    assert stacktrace is not None
    frames: list[dict[str, Any]] = stacktrace["frames"]
    return frames


def boom(**local: Any) -> None:
    raise ValueError("boom")


# -- filename and in_app -------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "path", "expected"),
    [
        ("__main__", "/srv/app/run.py", "run.py"),
        ("app.views", "/srv/app/views.py", "app/views.py"),
        ("app.api.users", "/srv/app/api/users.py", "app/api/users.py"),
        ("app.api", "/srv/app/api/__init__.py", "app/api/__init__.py"),
        ("app.compiled", "/srv/app/compiled.pyc", "app/compiled.py"),
        (None, "/srv/app/x.py", "/srv/app/x.py"),
        ("gen", "<string>", "<string>"),
    ],
)
def test_filename_is_relative_to_the_top_package(module: Any, path: str, expected: str) -> None:
    assert filename_for(module, path) == expected


def test_in_app_rules_in_order(tmp_path: Path) -> None:
    root = str(tmp_path)
    paths = Paths(("vendored",), ("app.generated", "vendored.noise"), root)
    inside = os.path.join(root, "app", "x.py")
    site = os.path.join(root, ".venv", "lib", "site-packages", "lib.py")
    outside = "/elsewhere/lib.py"
    stdlib = os.path.dirname(os.__file__) + "/json/__init__.py"
    assert paths.in_app("vendored.noise", site) is True  # include wins over exclude
    assert paths.in_app("vendored", outside) is True
    assert paths.in_app("app.generated.models", inside) is False
    assert paths.in_app("app.x", inside) is True
    assert paths.in_app("lib", site) is False
    assert paths.in_app("lib", outside) is False
    assert paths.in_app("json", stdlib) is False
    assert paths.in_app("gen", "<string>") is False
    assert paths.in_app("app.generatedish", inside) is True  # prefixes end at dots


def test_project_root_defaults_to_the_working_directory() -> None:
    assert Paths((), (), None).root == os.getcwd().rstrip(os.sep) + os.sep


def test_in_app_options_reach_the_frames(sentry_init: Any, sentry_events: list[Any]) -> None:
    sentry_init(in_app_exclude=[__name__])
    sentry_lite.capture_exception(caught(boom))
    frames = sentry_events[0]["exception"]["values"][0]["stacktrace"]["frames"]
    assert [f["in_app"] for f in frames] == [False, False]


def test_frames_of_a_file_outside_the_project_are_not_in_app(
    tmp_path: Path, sentry_init: Any, sentry_events: list[Any]
) -> None:
    module = tmp_path / "outside_lib.py"
    module.write_text("def explode():\n    raise KeyError('outside')\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import outside_lib  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(tmp_path))
    sentry_init(project_root=os.path.dirname(__file__))
    sentry_lite.capture_exception(caught(outside_lib.explode))
    frames = sentry_events[0]["exception"]["values"][0]["stacktrace"]["frames"]
    assert [(f["module"], f["in_app"]) for f in frames] == [
        ("test_frames", True),
        ("outside_lib", False),
    ]
    assert frames[1]["filename"] == "outside_lib.py"
    assert frames[1]["abs_path"] == str(module)


# -- what is left out ----------------------------------------------------------------


def hidden(**local: Any) -> None:
    __tracebackhide__ = True
    boom()


def test_frames_that_hide_themselves_are_left_out() -> None:
    assert [f["function"] for f in frames_of(caught(hidden))] == ["caught", "boom"]


def test_a_false_tracebackhide_keeps_the_frame() -> None:
    def shown() -> None:
        __tracebackhide__ = False
        boom()

    assert [f["function"] for f in frames_of(caught(shown))] == ["caught", "shown", "boom"]


def test_a_module_can_hide_all_its_frames(tmp_path: Path) -> None:
    source = "__tracebackhide__ = True\ndef call(f):\n    f()\n"
    namespace: dict[str, Any] = {"__name__": "hiding_module"}
    exec(compile(source, str(tmp_path / "hiding_module.py"), "exec"), namespace)
    functions = [f["function"] for f in frames_of(caught(namespace["call"], boom))]
    assert functions == ["caught", "boom"]


def test_sdk_frames_are_left_out() -> None:
    class Escapes(BaseException):
        """Not an Exception, so it passes through the SDK's processor guard."""

    def processor(event: Any, hint: Any) -> Any:
        raise Escapes("in a processor")

    from sentry_lite._merge import apply_scopes

    scope = sentry_lite.Scope()
    scope.add_event_processor(processor)
    # The traceback runs caught -> apply_scopes -> ... (sentry_lite) -> processor.
    exc = caught(apply_scopes, {}, {}, [scope])
    tb, modules = exc.__traceback__, []
    while tb is not None:
        modules.append(tb.tb_frame.f_globals.get("__name__"))
        tb = tb.tb_next
    assert "sentry_lite._merge" in modules  # the SDK's frames are really in the traceback
    assert [f["function"] for f in frames_of(exc)] == ["caught", "processor"]


def test_a_traceback_of_only_hidden_frames_has_no_stacktrace() -> None:
    exc = caught(hidden)
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_name != "hidden":
        tb = tb.tb_next
    assert tb is not None
    only_hidden = tb
    only_hidden.tb_next = None
    assert stacktrace_from_traceback(only_hidden, Options()) == (None, None)


# -- source context and locals -------------------------------------------------------


def test_source_context_is_five_lines_each_side() -> None:
    frame = frames_of(caught(boom))[-1]
    lines = Path(__file__).read_text().splitlines()
    lineno = frame["lineno"]
    assert frame["context_line"] == lines[lineno - 1] == '    raise ValueError("boom")'
    assert frame["pre_context"] == lines[lineno - 6 : lineno - 1]
    assert frame["post_context"] == lines[lineno : lineno + 5]


def test_context_near_the_start_and_end_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "short_module.py"
    path.write_text("def f():\n    raise KeyError(1)\n")
    namespace: dict[str, Any] = {"__name__": "short_module"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    frame = frames_of(caught(namespace["f"]))[-1]
    assert frame["pre_context"] == ["def f():"]
    assert frame["context_line"] == "    raise KeyError(1)"
    assert frame["post_context"] == []


def test_code_without_a_file_has_no_context() -> None:
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec("def f():\n    raise KeyError(1)\n", namespace)
    frame = frames_of(caught(namespace["f"]))[-1]
    assert frame["filename"] == frame["abs_path"] == "<string>"
    assert "context_line" not in frame and frame["in_app"] is False


def test_an_edited_file_is_read_again_when_linecache_is_refreshed(tmp_path: Path) -> None:
    path = tmp_path / "edited_module.py"
    path.write_text("def f():\n    raise KeyError('first')\n")
    namespace: dict[str, Any] = {"__name__": "edited_module"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    assert frames_of(caught(namespace["f"]))[-1]["context_line"] == "    raise KeyError('first')"
    path.write_text("def f():\n    raise KeyError('second')  # edited\n")
    linecache.checkcache(str(path))
    frame = frames_of(caught(namespace["f"]))[-1]
    assert frame["context_line"] == "    raise KeyError('second')  # edited"


def test_source_context_and_locals_can_be_turned_off() -> None:
    exc = caught(boom, x=1)
    frame = frames_of(exc, include_source_context=False, include_local_variables=False)[-1]
    assert set(frame) == {"filename", "abs_path", "function", "module", "lineno", "in_app"}


def test_locals_are_reprs_and_scrubbed() -> None:
    frame = frames_of(caught(boom, x=1, password="pw"))[-1]
    assert frame["vars"] == {"local": {"x": "1", "password": "[Filtered]"}}


def test_max_value_length_bounds_source_lines_and_locals() -> None:
    frame = frames_of(caught(boom, text="y" * 200), max_value_length=20)[-1]
    assert frame["vars"]["local"]["text"] == "'yyyyyyyyyyyyyyyy..."
    assert frame["context_line"] == "    raise ValueEr..."  # 20 characters


# -- bounds ----------------------------------------------------------------------------


def deep(n: int) -> None:
    if n == 0:
        raise RecursionError("deep enough")
    deep(n - 1)


def test_max_stack_frames_keeps_both_ends() -> None:
    exc = caught(deep, 30)
    stacktrace, meta = stacktrace_from_traceback(exc.__traceback__, Options(max_stack_frames=7))
    assert stacktrace is not None
    frames = stacktrace["frames"]
    assert [f["function"] for f in frames] == ["caught"] + ["deep"] * 6
    assert [f["vars"]["n"] for f in frames[1:]] == ["30", "29", "28", "2", "1", "0"]
    assert stacktrace["frames_omitted"] == [4, 29]
    assert meta == {"frames": {"": {"len": 32}}}


def test_no_bound_when_max_stack_frames_is_none() -> None:
    exc = caught(deep, 150)
    frames = frames_of(exc, max_stack_frames=None)
    assert len(frames) == 152


def test_a_bound_of_one_keeps_the_oldest_frame() -> None:
    exc = caught(deep, 3)
    stacktrace, _ = stacktrace_from_traceback(exc.__traceback__, Options(max_stack_frames=1))
    assert stacktrace is not None
    assert [f["function"] for f in stacktrace["frames"]] == ["caught"]


# -- the current stack ---------------------------------------------------------------


def test_current_stacktrace_ends_with_the_caller() -> None:
    def here() -> dict[str, Any]:
        marker = "here"  # noqa: F841
        return current_stacktrace(Options())

    frames = here()["frames"]
    assert frames[-1]["function"] == "here" and frames[-1]["vars"] == {"marker": "'here'"}
    assert frames[-2]["function"] == "test_current_stacktrace_ends_with_the_caller"
    assert not any(str(f["module"]).startswith("sentry_lite") for f in frames)


def test_attach_stacktrace_leaves_exception_events_alone(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(attach_stacktrace=True)
    sentry_lite.capture_exception(caught(boom))
    sentry_lite.capture_event({"message": "own stack", "threads": {"values": []}})
    assert "threads" not in sentry_events[0]
    assert sentry_events[1]["threads"] == {"values": []}


def test_a_frame_builder_is_cheap_to_reuse() -> None:
    builder = FrameBuilder(Options())
    exc = caught(deep, 5)
    from sentry_lite._event.frames import traceback_pairs

    first = builder.stacktrace(traceback_pairs(exc.__traceback__, builder))
    second = builder.stacktrace(traceback_pairs(exc.__traceback__, builder))
    assert first == second
    # frames do not share lists with each other or with the source cache
    first[0]["frames"][0]["pre_context"].append("changed")
    assert second[0]["frames"][0]["pre_context"][-1] != "changed"


def test_context_lines_from_a_module_loader(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    import zipfile

    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("zipped_mod.py", textwrap.dedent("""\
            def explode():
                raise LookupError("from a zip")
        """))
    sys.path.insert(0, str(archive))
    try:
        import zipped_mod  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(archive))
    frame = frames_of(caught(zipped_mod.explode))[-1]
    assert frame["context_line"] == '    raise LookupError("from a zip")'
    assert frame["filename"] == "zipped_mod.py"
