"""The fake OpenAI-compatible server answers like the real API (shapes, errors, rules)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.fakes.openai_api import FakeOpenAI


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


def _body(content: str = "Summarize.\n<article>\nTitle: T\n\nWater flows. Then more.\n</article>", **extra: object) -> dict:
    return {"model": "fake-gpt", "messages": [{"role": "user", "content": content}], "stream": False, **extra}


async def _post(llm: FakeOpenAI, body: object, *, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {llm.api_key if key is None else key}"}
    async with httpx.AsyncClient() as client:
        return await client.post(llm.base_url + "/chat/completions", json=body, headers=headers)


async def test_answers_in_the_chat_completion_shape(llm: FakeOpenAI) -> None:
    response = await _post(llm, _body())
    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "chat.completion" and data["model"] == "fake-gpt"
    [choice] = data["choices"]
    assert choice["message"] == {"role": "assistant", "content": "Water flows.", "refusal": None}
    assert choice["finish_reason"] == "stop"
    assert data["usage"]["total_tokens"] == data["usage"]["prompt_tokens"] + data["usage"]["completion_tokens"]
    assert llm.calls == 1 and llm.requests[0].body["model"] == "fake-gpt"


async def test_rules_match_the_prompt_in_order_and_can_be_limited(llm: FakeOpenAI) -> None:
    llm.on("Water", status=429, retry_after="3", times=1)
    llm.on("Water", content="Scripted.")
    first = await _post(llm, _body())
    assert first.status_code == 429 and first.headers["retry-after"] == "3"
    assert first.json()["error"]["code"] == "rate_limit_exceeded"
    second = await _post(llm, _body())
    assert second.json()["choices"][0]["message"]["content"] == "Scripted."
    other = await _post(llm, _body("Summarize.\n<article>\nFire spreads.\n</article>"))
    assert other.json()["choices"][0]["message"]["content"] == "Fire spreads."


async def test_refusal_and_server_error_shapes(llm: FakeOpenAI) -> None:
    llm.on("refuse", refusal="I'm sorry, I can't help with that.")
    llm.on("break", status=500)
    refused = (await _post(llm, _body("please refuse"))).json()["choices"][0]
    assert refused["message"]["content"] is None and refused["message"]["refusal"].startswith("I'm sorry")
    broken = await _post(llm, _body("please break"))
    assert broken.status_code == 500 and broken.json()["error"]["type"] == "server_error"


@pytest.mark.parametrize(
    ("body", "key", "status", "code"),
    [
        (_body(), "sk-wrong-key-123456", 401, "invalid_api_key"),
        (_body(model="gpt-nonexistent"), None, 404, "model_not_found"),
        ({"model": "fake-gpt"}, None, 400, "missing_required_parameter"),
        (_body(stream=True), None, 400, None),
    ],
)
async def test_bad_requests_get_openai_errors(llm: FakeOpenAI, body: dict, key: str | None, status: int, code: str | None) -> None:
    response = await _post(llm, body, key=key)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and error["type"] == "invalid_request_error"
    assert llm.calls == 0
    if key:
        assert key not in error["message"]  # masked, like OpenAI does


async def test_unknown_path_is_404(llm: FakeOpenAI) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(llm.base_url + "/models/x")
    assert response.status_code == 404 and "error" in response.json()


async def test_a_slow_rule_answers_late_and_a_client_may_give_up(llm: FakeOpenAI) -> None:
    llm.on(content="Late.", delay=2)
    async with httpx.AsyncClient(timeout=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(llm.base_url + "/chat/completions", json=_body(),
                              headers={"Authorization": f"Bearer {llm.api_key}"})
    [seen] = llm.requests
    assert seen.answered == 0 and llm.calls == 0  # recorded on arrival, never answered
