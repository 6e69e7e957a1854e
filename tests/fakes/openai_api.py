"""A real HTTP OpenAI-compatible chat-completions server on 127.0.0.1 for tests.

    async with FakeOpenAI() as llm:
        llm.on("Kakhovka", "Ukrainian", content="Інженери відкрили ...")
        llm.on(status=429, retry_after="2", times=1)       # the next request is rate-limited
        ... settings: llm_base_url=llm.base_url, llm_api_key=llm.api_key, llm_model=llm.model

It answers ``POST /v1/chat/completions`` the way OpenAI does: the ``chat.completion`` JSON
shape (choices, message with ``content`` and ``refusal``, finish_reason, usage), and its error
shape (``{"error": {"message", "type", "param", "code"}}``) for a wrong key (401), an unknown
model (404), a malformed body (400), ``stream: true`` (400: this fake does not stream),
rate limits (429 with Retry-After) and server errors (500). Rules added with ``on`` are tried
in order on the request's whole prompt; the first whose strings all occur answers (``times``
limits how often). With no rule matching, the fake behaves like a model that copies the
article's first sentence. ``requests`` keeps every request's body and headers (on arrival),
``max_in_flight`` the most requests answered at once.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

__all__ = ["FakeOpenAI", "Rule", "SeenCompletion"]

_ARTICLE = re.compile(r"<article>\s*(.*?)\s*</article>", re.DOTALL)
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)", re.DOTALL)


@dataclass
class Rule:
    contains: tuple[str, ...]
    content: str | None = None
    refusal: str | None = None
    status: int = 200
    retry_after: str | None = None
    delay: float = 0.0
    finish_reason: str = "stop"
    times: int | None = None  # None: every matching request
    used: int = 0


@dataclass(slots=True)
class SeenCompletion:
    body: dict[str, Any]
    headers: Mapping[str, str]
    answered: int = 0  # the HTTP status we answered; 0 while answering, or if the client gave up

    @property
    def prompt(self) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))


@dataclass
class FakeOpenAI:
    api_key: str = "sk-test-0123456789abcdef"
    model: str = "fake-gpt"
    requests: list[SeenCompletion] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests answered at once
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing = asyncio.Event()

    async def __aenter__(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.2, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    @property
    def calls(self) -> int:
        """Requests that reached the model (answered 200)."""
        return sum(1 for r in self.requests if r.answered == 200)

    def on(
        self, *contains: str, content: str | None = None, refusal: str | None = None, status: int = 200,
        retry_after: str | None = None, delay: float = 0.0, finish_reason: str = "stop", times: int | None = None,
    ) -> Rule:
        """Answer requests whose prompt holds every string of ``contains`` (none: any request)."""
        rule = Rule(contains, content, refusal, status, retry_after, delay, finish_reason, times)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    # -- HTTP -----------------------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.Response:
        return _error(404, f"Invalid URL ({request.method} {request.path})", "invalid_request_error")

    async def _completions(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.text())
        except ValueError:
            body = {}
        seen = SeenCompletion(body if isinstance(body, dict) else {}, dict(request.headers))
        self.requests.append(seen)  # on arrival: a request the client gave up on counts too
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            response = await self._answer(request)
        finally:
            self.in_flight -= 1
        seen.answered = response.status
        return response

    async def _answer(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            given = request.headers.get("Authorization", "").removeprefix("Bearer ")
            masked = (given[:3] + "*" * 8 + given[-4:]) if len(given) > 8 else "***"
            return _error(401, f"Incorrect API key provided: {masked}. You can find your API key at "
                               "https://platform.openai.com/account/api-keys.", "invalid_request_error",
                          code="invalid_api_key")
        try:
            body = json.loads(await request.text())
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.", "invalid_request_error")
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
            return _error(400, "Missing required parameter: 'messages'.", "invalid_request_error",
                          param="messages", code="missing_required_parameter")
        for message in body["messages"]:
            if not isinstance(message, dict) or message.get("role") not in ("system", "user", "assistant", "developer") \
                    or not isinstance(message.get("content"), str):
                return _error(400, "Invalid value for 'messages': each needs a role and string content.",
                              "invalid_request_error", param="messages")
        if body.get("model") != self.model:
            return _error(404, f"The model `{body.get('model')}` does not exist or you do not have access to it.",
                          "invalid_request_error", code="model_not_found")
        if body.get("stream"):
            return _error(400, "This fake server does not stream: send stream=false.", "invalid_request_error",
                          param="stream")
        prompt = "\n".join(m["content"] for m in body["messages"])
        rule = self._rule_for(prompt)
        if rule is not None and rule.delay:
            try:
                await asyncio.wait_for(self._closing.wait(), rule.delay)
            except TimeoutError:
                pass
        if rule is not None and rule.status == 429:
            headers = {"retry-after": rule.retry_after} if rule.retry_after is not None else {}
            return _error(429, f"Rate limit reached for {self.model} on requests per min (RPM): Limit 3, "
                               "Used 3, Requested 1.", "requests", code="rate_limit_exceeded", headers=headers)
        if rule is not None and rule.status >= 400:
            headers = {"retry-after": rule.retry_after} if rule.retry_after is not None else {}
            return _error(rule.status, "The server had an error while processing your request. Sorry about that!",
                          "server_error", headers=headers)
        if rule is not None and (rule.content is not None or rule.refusal is not None):
            content, refusal, finish = rule.content, rule.refusal, rule.finish_reason
        else:
            content, refusal, finish = _copy_lead(prompt), None, "stop"
        return web.json_response(_completion(self.model, prompt, content, refusal, finish))

    def _rule_for(self, prompt: str) -> Rule | None:
        for rule in self.rules:
            if rule.times is not None and rule.used >= rule.times:
                continue
            if all(part in prompt for part in rule.contains):
                rule.used += 1
                return rule
        return None


def _copy_lead(prompt: str) -> str:
    """What a lazy model does: the first sentence of the article's text."""
    found = _ARTICLE.search(prompt)
    text = found.group(1) if found else prompt
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("Title:")]
    body = " ".join(lines)
    sentence = _FIRST_SENTENCE.match(body)
    return (sentence.group(1) if sentence else body).strip()


def _completion(model: str, prompt: str, content: str | None, refusal: str | None, finish: str) -> dict[str, Any]:
    prompt_tokens = len(prompt) // 4 + 1
    completion_tokens = len(content or refusal or "") // 4 + 1
    return {
        "id": f"chatcmpl-fake{int(time.time() * 1000)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": None if refusal else content, "refusal": refusal},
            "logprobs": None,
            "finish_reason": finish,
        }],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def _error(status: int, message: str, kind: str, *, param: str | None = None, code: str | None = None,
           headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "param": param, "code": code}},
                             status=status, headers=dict(headers or {}))
