"""OpenFeature: every boolean flag evaluation becomes ``add_feature_flag(name, value)``.

``OpenFeatureIntegration`` registers a hook with the OpenFeature API (``openfeature-sdk``)
once: after an evaluation it records the boolean result; when an evaluation fails it
records the boolean default the client fell back to.
"""

from __future__ import annotations

from sentry_lite.feature_flags import add_feature_flag
from sentry_lite.integrations import DidNotEnable, Integration

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

try:
    from openfeature import api
    from openfeature.hook import Hook
except ImportError as exc:  # pragma: no cover - the test extras install it
    raise DidNotEnable("OpenFeature is not installed (pip install openfeature-sdk)") from exc


class OpenFeatureHook(Hook):
    """Records boolean evaluations (and the defaults of failed ones)."""

    def after(self, hook_context: Any, details: Any, hints: Any) -> None:
        if isinstance(details.value, bool):
            add_feature_flag(details.flag_key, details.value)

    def error(self, hook_context: Any, exception: Exception, hints: Any) -> None:
        if isinstance(hook_context.default_value, bool):
            add_feature_flag(hook_context.flag_key, hook_context.default_value)


class OpenFeatureIntegration(Integration):
    """Feature-flag evaluations of OpenFeature clients on error events and spans."""

    identifier = "openfeature"

    @staticmethod
    def setup_once() -> None:
        api.add_hooks(hooks=[OpenFeatureHook()])


__all__ = ["OpenFeatureHook", "OpenFeatureIntegration"]
