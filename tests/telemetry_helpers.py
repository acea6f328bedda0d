"""Run the same calls under sentry_lite and the official SDK; compare the items sent.

Each SDK runs in its own interpreter (``python -c``), initialised with an in-memory
transport; the script prints the logs/metrics envelope items it produced as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

_SCRIPT = """
import json, sys
import {module} as sdk
from {module}.transport import Transport

sent = []

class Keep(Transport):
    def capture_envelope(self, envelope):
        sent.append(envelope)

sdk.init(dsn="https://key@127.0.0.1:9/1", transport=Keep(), default_integrations=False,
         release="r-1", environment="env-1", server_name="host-1", **{options})
{code}
sdk.flush()
out = []
for envelope in sent:
    for item in envelope.items:
        if item.headers.get("type") in ("log", "trace_metric"):
            out.append({{"headers": dict(item.headers), "payload": item.payload.json}})
print("ITEMS " + json.dumps(out))
"""

# values that differ by design between the two SDKs (ids, clocks, SDK identity)
_VOLATILE = {"timestamp", "trace_id", "span_id"}
_VOLATILE_ATTRS = {"sentry.sdk.name", "sentry.sdk.version", "code.line.number",
                   "code.file.path", "thread.id", "process.pid"}


def run_items(module: str, code: str, options: str = "{}") -> list[dict[str, Any]]:
    """The ``log`` / ``trace_metric`` items ``code`` makes under ``module`` (a fresh process)."""
    script = _SCRIPT.format(module=module, code=textwrap.dedent(code), options=options)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("ITEMS "))
    items: list[dict[str, Any]] = json.loads(line[len("ITEMS "):])
    return items


def shape(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``items`` with ids, clocks and the SDK's own name and version blanked."""
    out = []
    for item in items:
        headers = {k: v for k, v in item["headers"].items() if k != "length"}
        entries = []
        for entry in item["payload"]["items"]:
            kept = {k: ("<set>" if k in _VOLATILE else v) for k, v in entry.items()
                    if k != "attributes"}
            kept["attributes"] = {
                name: ({"type": value["type"]} if name in _VOLATILE_ATTRS else value)
                for name, value in entry["attributes"].items()
            }
            entries.append(kept)
        out.append({"headers": headers, "version": item["payload"]["version"],
                    "items": entries})
    return out
