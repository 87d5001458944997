"""Behind a trusted reverse proxy each person gets their own login limit; nobody else can choose an address.

The middleware is checked on its own (which address and scheme the app sees) and through the login limit,
which is what a person notices: one stranger's guesses behind nginx must not lock everyone else out.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rejuv.services.advice import Advisor
from rejuv.settings import Settings
from rejuv.web.app import create_app
from rejuv.web.proxy import TrustedProxies, parse_address

from tests.web.tests_web_support import PASSWORD, add_user

PROXY = ("10.0.0.2", 40000)  # nginx, on the private network the proxies are listed for
STRANGER = ("198.51.100.7", 40000)  # connects directly, not through the proxy
NETWORKS = (ipaddress.ip_network("10.0.0.0/24"), ipaddress.ip_network("::1/128"))


def seen(
    peer: tuple[str, int] | None, headers: dict[str, str] | list[tuple[str, str]], scheme: str = "http"
) -> tuple[Any, str]:
    """The client and scheme the app behind TrustedProxies receives for one request."""
    pairs = list(headers.items()) if isinstance(headers, dict) else headers
    captured: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        captured.update(scope)

    scope = {
        "type": "http",
        "scheme": scheme,
        "client": peer,
        "headers": [(name.lower().encode(), value.encode("latin-1")) for name, value in pairs],
    }
    run(TrustedProxies(app, NETWORKS)(scope, None, None))  # type: ignore[arg-type]
    return captured["client"], captured["scheme"]


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run on a thread of its own: a browser test in the same worker may leave an event loop running here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def test_a_trusted_proxy_is_believed_about_the_address_it_received_the_request_from() -> None:
    assert seen(PROXY, {"X-Forwarded-For": "203.0.113.5"}) == (("203.0.113.5", 0), "http")


def test_the_right_most_address_that_is_not_our_proxy_is_the_client() -> None:
    # The client wrote "1.2.3.4" itself; our outer proxy 10.0.0.3 appended the address it saw; the inner
    # proxy 10.0.0.2 (the socket peer) appended 10.0.0.3.
    client, _scheme = seen(PROXY, {"X-Forwarded-For": "1.2.3.4, 203.0.113.5, 10.0.0.3"})
    assert client == ("203.0.113.5", 0)


def test_several_forwarded_for_headers_read_as_one_list() -> None:
    headers = [("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-For", "203.0.113.5")]
    assert seen(PROXY, headers)[0] == ("203.0.113.5", 0)


def test_an_untrusted_peer_cannot_choose_its_address_or_scheme() -> None:
    assert seen(STRANGER, {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}) == (STRANGER, "http")


def test_the_forwarded_scheme_is_honoured_only_from_a_trusted_proxy_and_only_http_or_https() -> None:
    assert seen(PROXY, {"X-Forwarded-Proto": "https"})[1] == "https"
    assert seen(PROXY, {"X-Forwarded-Proto": "javascript"})[1] == "http"
    assert seen(PROXY, {"X-Forwarded-Proto": "http, https"})[1] == "https"  # the nearest proxy's view


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        ("", PROXY),  # no header value: the proxy itself
        ("not-an-address", PROXY),  # a misconfigured proxy: keep the one shared limit, never a chosen bucket
        ("203.0.113.5, garbage", PROXY),  # garbage to the right of an address: believe nothing further left
        ("10.0.0.9, 10.0.0.3", ("10.0.0.9", 0)),  # every hop ours (a health check from the proxy host)
        ("203.0.113.5:51234", ("203.0.113.5", 0)),  # a port written after the address
        ("[2001:db8::7]:443", ("2001:db8::7", 0)),
        ("2001:db8::7", ("2001:db8::7", 0)),
        ("::ffff:203.0.113.5", ("203.0.113.5", 0)),  # one client is one address, however the socket spelt it
    ],
)
def test_odd_forwarded_for_values_never_yield_a_made_up_client(forwarded_for: str, client: tuple[str, int]) -> None:
    assert seen(PROXY, {"X-Forwarded-For": forwarded_for})[0] == client


def test_a_proxy_on_a_dual_stack_socket_is_recognised() -> None:
    assert seen(("::ffff:10.0.0.2", 40000), {"X-Forwarded-For": "203.0.113.5"})[0] == ("203.0.113.5", 0)
    assert seen(("::1", 40000), {"X-Forwarded-For": "203.0.113.5"})[0] == ("203.0.113.5", 0)


def test_addresses_are_parsed_as_proxies_write_them() -> None:
    assert parse_address("[::1]") == ipaddress.ip_address("::1")
    assert parse_address("[::1") is None
    assert parse_address("unknown") is None


@pytest.fixture
def behind_proxy(tmp_path: Path, advisor: Advisor) -> Iterator[Settings]:
    yield Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        secret_key="t" * 40,
        trusted_proxies=("10.0.0.0/24",),
    )


def guess(client: TestClient, forwarded_for: str | None, password: str = "wrong guess") -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = client.post("/api/session", json={"username": "dr", "password": password}, headers=headers)
    return response.status_code


def test_one_stranger_behind_the_proxy_does_not_lock_out_everyone_else(
    behind_proxy: Settings, advisor: Advisor
) -> None:
    app = create_app(behind_proxy, advisor)
    with TestClient(app, base_url="https://testserver", client=PROXY) as client:
        add_user(client, "dr", "clinician")
        for _ in range(behind_proxy.login_attempts_per_window):
            assert guess(client, "203.0.113.66") == 401
        assert guess(client, "203.0.113.66") == 429  # the stranger's address is blocked...
        assert guess(client, "203.0.113.5", PASSWORD) == 200  # ...the clinician's is not


def test_a_client_connecting_directly_cannot_escape_its_limit_with_a_forged_forwarded_for(
    behind_proxy: Settings, advisor: Advisor
) -> None:
    app = create_app(behind_proxy, advisor)
    with TestClient(app, base_url="https://testserver", client=STRANGER) as client:
        add_user(client, "dr", "clinician")
        statuses = [guess(client, f"203.0.113.{n}") for n in range(behind_proxy.login_attempts_per_window + 1)]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}


def test_without_trusted_proxies_forwarded_for_is_ignored(tmp_path: Path, advisor: Advisor) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'web.db'}", secret_key="t" * 40)
    with TestClient(create_app(settings, advisor), base_url="https://testserver", client=PROXY) as client:
        add_user(client, "dr", "clinician")
        statuses = [guess(client, f"203.0.113.{n}") for n in range(settings.login_attempts_per_window + 1)]
    assert statuses[-1] == 429
