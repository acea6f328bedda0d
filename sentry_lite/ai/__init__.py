"""``sentry_sdk.ai``: the AI-monitoring helpers (``monitoring``), loaded when imported."""
