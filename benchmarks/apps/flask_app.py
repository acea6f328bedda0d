"""The Flask app of the framework benchmark.

``gunicorn --chdir benchmarks/apps flask_app:app``
"""

from __future__ import annotations

import bench_sdk

sdk = bench_sdk.load()  # before the framework is imported, as the SDKs' docs show

from flask import Flask  # noqa: E402

app = Flask(__name__)


@app.get("/items/<int:item_id>")
def item(item_id: int) -> dict[str, object]:
    return bench_sdk.payload(sdk, item_id)
