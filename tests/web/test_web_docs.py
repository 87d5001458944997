"""Documentation that cannot drift: every setting and every API operation is described in docs/."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from rejuv.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "web.md").read_text()
    for name, field in Settings.model_fields.items():
        variable = (field.description or "").split(":")[0]
        assert variable.startswith("REJUV_"), f"{name} has no REJUV_ variable in its description"
        assert f"`{variable}`" in text, f"{variable} is not in docs/web.md"


def test_every_api_operation_is_documented(client: TestClient) -> None:
    text = (DOCS / "api.md").read_text()
    for path, methods in client.get("/openapi.json").json()["paths"].items():
        for method in methods:
            stem = path.split("{")[0].rstrip("/")
            assert f"{method.upper()} {stem}" in text, f"{method.upper()} {path} is not in docs/api.md"


def test_published_operation_descriptions_speak_to_api_users_not_to_maintainers(client: TestClient) -> None:
    """FastAPI publishes route docstrings; notes about our source tree belong in comments."""
    for path, methods in client.get("/openapi.json").json()["paths"].items():
        for method, operation in methods.items():
            described = f"{operation.get('summary', '')} {operation.get('description', '')}"
            for internal in ("bench/", ".py", "hot path", "hottest"):
                assert internal not in described, f"{method.upper()} {path} publishes an internal note: {internal}"
