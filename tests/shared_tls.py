"""One verified TLS context for every httpx client the tests make.

httpx loads the CA bundle for each client (and transport) it builds, about 50 ms of CPU each,
and every bot a test starts builds four: PTB's two clients and the fetcher's transport with
its connection pool. No test speaks TLS (the fakes are plain HTTP on 127.0.0.1), so the
contexts are never used; sharing one across the session saves ~0.2 s per bot started, about a
minute of the suite. A context with other arguments (``verify=False``, a certificate) is made
as httpx makes it.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import httpx._transports.default as httpx_transports
import pytest

_made_by_httpx = httpx.create_ssl_context


def _shared_ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
    if verify is not True or cert is not None:
        return _made_by_httpx(verify=verify, cert=cert, trust_env=trust_env)
    key = (trust_env, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    if key not in _contexts:
        _contexts[key] = _made_by_httpx(verify=verify, cert=cert, trust_env=trust_env)
    return _contexts[key]


_contexts: dict[tuple[bool, str | None, str | None], ssl.SSLContext] = {}


@pytest.fixture(scope="session", autouse=True)
def one_tls_context_per_session() -> Iterator[None]:
    # raising=True (the default): if httpx moves the function, the session fails here rather
    # than silently going slow again.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx, "create_ssl_context", _shared_ssl_context)
        patch.setattr(httpx_transports, "create_ssl_context", _shared_ssl_context)
        yield
