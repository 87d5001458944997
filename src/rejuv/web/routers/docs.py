"""`/docs`: a server-rendered reference built from the OpenAPI document, so it works offline (FastAPI's
Swagger UI would load its scripts from a CDN, which this app never does)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from rejuv.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
async def api_docs(request: Request) -> HTMLResponse:
    spec: dict[str, Any] = request.app.openapi()
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "body_types": list(body),
                    "statuses": sorted(op.get("responses", {})),
                    "tags": op.get("tags", []),
                }
            )
    return render(request, "docs.html", {"title": "API reference", "spec": spec, "operations": operations})
