"""The FastAPI app of the framework benchmark.

``uvicorn --app-dir benchmarks/apps fastapi_app:app``
"""

from __future__ import annotations

import bench_sdk

sdk = bench_sdk.load()  # before the framework is imported, as the SDKs' docs show

from fastapi import FastAPI  # noqa: E402

app = FastAPI()


@app.get("/items/{item_id}")
async def item(item_id: int):  # type: ignore[no-untyped-def]  # no response model
    return bench_sdk.payload(sdk, item_id)
