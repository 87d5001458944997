"""Privacy and hostile input: nothing with personal data is cached, and odd bytes are a 4xx, never a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests_web_support import PASSWORD, log_in_api, walk

from rejuv.web.security import TooManyAttempts


def test_patient_records_are_never_cached_by_the_browser(db_client: TestClient) -> None:
    token = log_in_api(db_client, "dr")
    created = db_client.post(
        "/api/patients", json={"reference": "R-1", "full_name": "Ann Example"}, headers={"X-CSRF-Token": token}
    )
    assert created.status_code == 201, created.text
    for path in ("/api/patients", f"/api/patients/{created.json()['id']}"):
        assert db_client.get(path).headers["cache-control"] == "no-store"


def test_a_persons_result_page_is_never_cached(client: TestClient) -> None:
    result = walk(client)
    assert result.status_code == 200
    assert result.headers["cache-control"] == "no-store"


def test_static_files_may_be_cached(client: TestClient) -> None:
    page = client.get("/")
    stylesheet = next(part.split('"')[1] for part in page.text.split("href=")[1:] if ".css" in part.split('"')[1])
    assert "no-store" not in client.get(stylesheet).headers.get("cache-control", "")


def test_a_nul_character_in_patient_data_is_a_422_on_both_databases(db_client: TestClient) -> None:
    token = log_in_api(db_client, "dr")
    response = db_client.post(
        "/api/patients", json={"reference": "R\u00001", "full_name": "A"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code in {201, 422}  # SQLite stores it; PostgreSQL cannot, and says so
    assert response.status_code != 500
    search = db_client.get("/api/patients", params={"q": "\u0000"})
    assert search.status_code in {200, 422}


def test_deeply_nested_json_is_a_400_not_a_crash(client: TestClient) -> None:
    body = b"[" * 20_000 + b"]" * 20_000
    response = client.post("/api/recommend", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_burst_of_parallel_wrong_passwords_is_cut_off_at_the_limit(client: TestClient) -> None:
    state = client.app.state.rejuv  # type: ignore[attr-defined]
    refused = 0
    for _ in range(12):
        try:
            state.limiter.check("testclient", "dr")
        except TooManyAttempts:
            refused += 1
    assert refused == 7  # 5 admitted before any password check finished, then refused
    response = client.post("/api/session", json={"username": "dr", "password": "wrong password here"})
    assert response.status_code == 429


def test_logging_out_ends_the_session_even_for_a_copied_cookie(db_client: TestClient) -> None:
    token = log_in_api(db_client, "dr")
    copied = dict(db_client.cookies)
    assert db_client.get("/api/patients").status_code == 200
    assert db_client.delete("/api/session", headers={"X-CSRF-Token": token}).status_code == 204
    db_client.cookies.clear()
    for name, value in copied.items():
        db_client.cookies.set(name, value)
    assert db_client.get("/api/patients").status_code == 401


def test_logging_in_again_after_logout_works(db_client: TestClient) -> None:
    token = log_in_api(db_client, "dr")
    assert db_client.delete("/api/session", headers={"X-CSRF-Token": token}).status_code == 204
    again = db_client.post("/api/session", json={"username": "dr", "password": PASSWORD})
    assert again.status_code == 200
    assert db_client.get("/api/patients").status_code == 200
