"""HTTP service for agent UIs: a pre-send hook that checks a draft before it is posted.

``replyguard serve`` runs :func:`create_app` under uvicorn. Starlette and uvicorn are the
optional ``[server]`` extra; the CLI imports this module only for ``serve``.

Endpoints (see ``docs/server.md`` and ``/openapi.json``):

* ``POST /v1/check`` — a conversation (``shared/spec/cases.md``) → the report (the
  ``--format jsonl`` record); ``?fix=safe`` adds ``fixed_text``; ``?format=NAME`` answers in
  a registered output format instead (:mod:`replyguard.formats`, as ``check --format NAME``).
* ``GET /v1/rules``, ``GET /v1/rules/{id}`` — the loaded rules with their explanations.
* ``GET /healthz``, ``GET /openapi.json``, ``GET /`` (the demo agent page).

Every error is JSON ``{"error": "...", "detail": ...}`` with a 4xx status that says what is
wrong. The linter is built once; a check is CPU-bound and takes about a millisecond, so it
runs directly on the event loop (a thread-pool hop costs more than the check itself).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import __version__, formats
from .audit import AuditLog, check_record, draft_hash, now_iso
from .errors import CheckTimeout, InputError, ReplyguardError
from .formats.located import check_run, draft_run
from .gc_tuning import SERVER, tune_gc
from .linter import Linter
from .models import Action, Conversation, NonBlank, Report
from .policy import resolve_rule_id
from .serve_guard import BODY_TIMEOUT_S, CHECK_BUDGET_S, JsonPostOnly, run_server

DEFAULT_MAX_BODY_BYTES = 256 * 1024
_timeout = getattr(asyncio, "timeout", None)  # Python 3.11+
STATIC_DIR = Path(__file__).resolve().parent / "static"


class ApiError(Exception):
    """An error answered as ``{"error": message, "detail": detail}`` with ``status``."""

    def __init__(self, status: int, message: str, detail: Any = None):
        super().__init__(message)
        self.status, self.message, self.detail = status, message, detail


def _error(status: int, message: str, detail: Any = None,
           headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "detail": detail}, status_code=status, headers=headers)


class _Json(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def _read_body(request: Request, limit: int, timeout: float = BODY_TIMEOUT_S) -> bytes:
    """The request body, refused with 413 as soon as it exceeds ``limit`` bytes, and with 408
    when it has not all arrived within ``timeout`` seconds (a client trickling it in)."""
    try:
        if _timeout is None:  # Python 3.10
            return await asyncio.wait_for(_stream_body(request, limit), timeout)
        # a deadline on this task: wait_for (3.11) runs the read as a task of its own, which
        # costs two extra passes of the event loop per request
        async with _timeout(timeout):
            return await _stream_body(request, limit)
    except asyncio.TimeoutError:
        raise ApiError(408, f"the request body did not arrive within {timeout:g} s",
                       {"timeout_s": timeout}) from None


async def _stream_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise ApiError(400, "invalid Content-Length header", {"content_length": declared}) from None
        if size > limit:  # refused before reading a byte of it
            raise ApiError(413, f"request body of {size} bytes exceeds the limit of {limit} bytes",
                           {"limit_bytes": limit, "size_bytes": size})
    chunks: list[bytes] = []  # counted while streaming too: chunked bodies have no Content-Length
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"request body exceeds the limit of {limit} bytes", {"limit_bytes": limit})
        chunks.append(chunk)
    return b"".join(chunks)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(x) for x in loc) or "body"


def _parse_conversation(body: bytes) -> Conversation:
    return _parse(Conversation, body, "a conversation")


def _parse(model: Any, body: bytes, what: str) -> Any:
    """``model`` from a JSON body: 400 for bad JSON, 422 naming each field that is wrong."""
    if not body.strip():
        raise ApiError(400, f"empty request body: send {what} as JSON (see /openapi.json)")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if errors and errors[0]["type"] == "json_invalid":
            msg = errors[0]["msg"].removeprefix("Invalid JSON: ")
            raise ApiError(400, f"invalid JSON: {msg}", None) from None
        detail = [{"field": _field(tuple(e["loc"])), "message": e["msg"], "type": e["type"]} for e in errors]
        first = detail[0]
        more = f" (and {len(detail) - 1} more)" if len(detail) > 1 else ""
        raise ApiError(422, f"{first['field']}: {first['message']}{more}", detail) from None


def _check_lengths(conv: Conversation, limit: int) -> None:
    """Refuse (413) a text over ``max_text_chars``, naming the field (the names are made only
    for a text that is refused: this runs on every check)."""
    texts = [conv.post.text, conv.draft.text, *(m.text for m in conv.thread), *(m.text for m in conv.history)]
    if max(map(len, texts)) <= limit:
        return
    fields = [("post.text", conv.post.text), ("draft.text", conv.draft.text)]
    fields += [(f"thread.{i}.text", m.text) for i, m in enumerate(conv.thread)]
    fields += [(f"history.{i}.text", m.text) for i, m in enumerate(conv.history)]
    for name, text in fields:
        if len(text) > limit:
            raise ApiError(413, f"{name}: a text of {len(text)} characters exceeds max_text_chars ({limit})",
                           {"field": name, "chars": len(text), "max_text_chars": limit})


def _input_error(exc: ReplyguardError) -> ApiError:
    """422 for a check the linter refused; a message that starts with a field names it."""
    msg = str(exc)
    head = msg.split(": ", 1)[0]
    field = head if isinstance(exc, InputError) and " " not in head and head != msg else None
    return ApiError(422, msg, [{"field": field, "message": msg}] if field else None)


class DecisionRequest(BaseModel):
    """``POST /v1/decisions``: what the agent did with a checked draft."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["sent", "edited", "discarded", "overridden"]
    agent: NonBlank = Field(description="who decided: the agent's id or handle")
    rules: list[NonBlank] = Field(default_factory=list, description="the rule ids the agent overrode")
    reason: str | None = Field(None, description="required when a rule in rules blocks or needs approval")
    conversation: Conversation | None = Field(None, description="the checked case; or give check_id")
    check_id: str | None = Field(None, description="the check_id of a /v1/check answer, instead of conversation")


RECENT_CHECKS = 10_000


def rule_info(linter: Linter, rule: Any) -> dict[str, Any]:
    """What ``replyguard explain`` shows about a rule, as JSON."""
    spec = rule.spec
    examples = {
        label: [ex.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
                for ex in items]
        for label, items in (("fail", spec.examples.fail), ("pass", spec.examples.pass_))
    }
    return {
        "id": rule.id,
        "pack": rule.pack,
        "category": rule.category,
        "severity": linter.severity.get(rule.id, rule.severity).value,
        "action": (linter.policy.rule_action(rule.id) or Action.allow).value,
        "message": rule.message,
        "description": rule.description.strip(),
        "when": rule.when_source,
        "kind": spec.kind,
        "suggest": list(rule.suggest),
        "examples": examples,
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of the service, with the pydantic models as schemas."""
    _, defs = models_json_schema([(Conversation, "validation"), (Report, "serialization"),
                                  (DecisionRequest, "validation")],
                                 ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    ref = {name: {"$ref": f"#/components/schemas/{name}"} for name in ("Conversation", "Report", "DecisionRequest")}
    schemas["Error"] = {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "string", "description": "what is wrong, in one line"},
                       "detail": {"description": "structured detail (e.g. the fields that failed)"}},
    }
    schemas["CheckResult"] = {
        "allOf": [ref["Report"], {"type": "object", "required": ["check_id"], "properties": {
            "check_id": {"type": "string", "description": "id of this check: logged with it, and accepted by "
                                                          "/v1/decisions instead of the conversation"},
            "fixed_text": {
                "type": "string", "description": "the draft with safe fixes applied (only with ?fix=safe)"}}}],
    }
    schemas["DecisionRecorded"] = {
        "type": "object", "required": ["decision_id", "check_id", "logged"],
        "properties": {"decision_id": {"type": "string"},
                       "check_id": {"type": ["string", "null"], "description": "the check the decision is about"},
                       "logged": {"type": "boolean", "description": "false when the server runs without --audit-log"}},
    }
    example = {"type": "object", "additionalProperties": True}
    schemas["RuleInfo"] = {
        "type": "object",
        "required": ["id", "pack", "category", "severity", "message", "kind"],
        "properties": {
            "id": {"type": "string", "examples": ["privacy/personal-data"]},
            "pack": {"type": "string"}, "category": {"type": "string"},
            "severity": {"type": "string", "enum": ["info", "warning", "error"]},
            "action": {"type": "string", "enum": ["allow", "warn", "approve", "block"],
                       "description": "what the config's policy makes of this rule's findings"},
            "message": {"type": "string"}, "description": {"type": "string"},
            "when": {"type": "string", "description": "condition under which the rule runs"},
            "kind": {"type": "string", "description": "check kind (pattern, pii, condition, ...)"},
            "suggest": {"type": "array", "items": {"type": "string"}},
            "examples": {"type": "object", "properties": {
                "fail": {"type": "array", "items": example}, "pass": {"type": "array", "items": example}}},
        },
    }

    def err(description: str) -> dict[str, Any]:
        return {"description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

    def ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "replyguard", "version": __version__,
                 "description": "Pre-send hook: lint a draft reply to a customer's social-media post "
                                "in the context of the post, its thread and the customer's history."},
        "paths": {
            "/v1/check": {"post": {
                "summary": "Check a draft reply in its context",
                "operationId": "check",
                "parameters": [{"name": "fix", "in": "query", "required": False,
                                "description": "'safe': also return the draft with safe fixes applied",
                                "schema": {"type": "string", "enum": ["safe"]}},
                               {"name": "format", "in": "query", "required": False,
                                "description": "answer in this output format (what `replyguard check --format` "
                                               "prints for the draft; the check id is in the X-Check-Id "
                                               "header) instead of the report JSON",
                                "schema": {"type": "string", "enum": formats.names()}}],
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": ref["Conversation"]}}},
                "responses": {
                    "200": ok("the report", {"$ref": "#/components/schemas/CheckResult"}),
                    "400": err("invalid JSON, empty body or bad query parameter"),
                    "413": err("request body over the size limit, or a text over max_text_chars"),
                    "422": err("wrong or missing fields (or an ignore naming an unknown rule); "
                               "detail lists each field"),
                    "503": err("the audit log cannot be written, or the check ran past its time budget"),
                    "408": err("the body did not arrive within the body timeout"),
                    "415": err("Content-Type is not application/json"),
                },
            }},
            "/v1/decisions": {"post": {
                "summary": "Record what the agent did with a checked draft (sent, edited, discarded, overridden)",
                "description": "Overriding rules whose findings block or need approval requires a reason; "
                               "sending a draft that has such findings is an override. The record is in the "
                               "audit log (fsynced) before the answer.",
                "operationId": "recordDecision",
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": ref["DecisionRequest"]}}},
                "responses": {
                    "200": ok("recorded", {"$ref": "#/components/schemas/DecisionRecorded"}),
                    "400": err("invalid JSON or empty body"),
                    "413": err("request body over the size limit, or a text over max_text_chars"),
                    "422": err("a field is wrong: a missing reason, an unknown rule, neither conversation "
                               "nor check_id; detail names the field"),
                    "503": err("the audit log cannot be written: nothing was recorded"),
                },
            }},
            "/v1/rules": {"get": {
                "summary": "The loaded rules with their explanations",
                "operationId": "listRules",
                "responses": {"200": ok("rules and templates", {
                    "type": "object",
                    "properties": {
                        "rules": {"type": "array", "items": {"$ref": "#/components/schemas/RuleInfo"}},
                        "templates": {"type": "array", "items": {"type": "object"}},
                    }})},
            }},
            "/v1/rules/{rule_id}": {"get": {
                "summary": "One rule (full id such as privacy/personal-data, or its short id)",
                "operationId": "getRule",
                "parameters": [{"name": "rule_id", "in": "path", "required": True,
                                "schema": {"type": "string"}, "description": "may contain a slash"}],
                "responses": {"200": ok("the rule", {"$ref": "#/components/schemas/RuleInfo"}),
                              "404": err("no such rule is loaded")},
            }},
            "/healthz": {"get": {
                "summary": "Liveness and what is loaded",
                "operationId": "health",
                "responses": {"200": ok("ok", {"type": "object", "properties": {
                    "status": {"type": "string"}, "version": {"type": "string"},
                    "rules": {"type": "integer"}}})},
            }},
        },
        "components": {"schemas": schemas},
    }


class _PostEndpoints:
    """ASGI middleware: answers ``POST`` to the given paths itself, ahead of Starlette's router
    and exception middleware (the same handler and the same answer, errors included).

    Those layers (route matching, the request/response wrappers, two exception wrappers around
    ``send``) cost ~5% of a loaded server's CPU per check; the routes stay registered, so every
    other method and path is answered by the router as before."""

    def __init__(self, app: Any, endpoints: dict[str, Any]):
        self.app, self.endpoints = app, endpoints

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        endpoint = self.endpoints.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await endpoint(Request(scope, receive))
        except ApiError as exc:
            response = _error(exc.status, exc.message, exc.detail)
        await response(scope, receive, send)


def create_app(linter: Linter, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
               cors_origins: list[str] | tuple[str, ...] = (), audit_log: AuditLog | None = None,
               check_budget_s: float = CHECK_BUDGET_S, body_timeout_s: float = BODY_TIMEOUT_S) -> Starlette:
    """The ASGI application around one built :class:`Linter`.

    ``max_body_bytes`` bounds a request body (413 beyond it); ``cors_origins`` lists the
    browser origins allowed to call the API from another origin (none by default; ``*`` for any).
    With ``audit_log``, every check and decision is logged before it is answered. A check
    running past ``check_budget_s`` answers 503; a body not in within ``body_timeout_s``, 408
    (:mod:`replyguard.serve_guard`).
    """
    max_text = linter.config.max_text_chars
    rules_by_id = {r.id: r for r in linter.rules}
    short_ids: dict[str, list[str]] = {}
    for r in linter.rules:
        short_ids.setdefault(r.id.split("/", 1)[1], []).append(r.id)
    rules_doc = {
        "rules": [rule_info(linter, r) for r in linter.rules],
        "templates": [{"id": t.id, "description": t.spec.description, "for": t.spec.for_}
                      for t in linter.packset.templates.values()],
        "packs": [{"id": p.spec.pack, "version": str(p.spec.version),
                   "description": p.spec.description.strip()} for p in linter.packset.packs],
    }
    rules_body = _Json(rules_doc).body
    rule_bodies = {rid: _Json(rule_info(linter, r)).body for rid, r in rules_by_id.items()}
    health_body = _Json({"status": "ok", "version": __version__, "rules": len(linter.rules)}).body
    openapi_body = _Json(openapi_document()).body
    known_rules = [r.id for r in linter.rules]
    # check_id -> (case id, draft hash, rule -> action) of this process's recent checks
    recent: OrderedDict[str, tuple[str, str, dict[str, Action]]] = OrderedDict()

    async def log(record: dict[str, Any]) -> None:
        if audit_log is None:
            return
        try:
            await audit_log.append(record)
        except OSError as exc:  # never acknowledge what was not recorded
            raise ApiError(503, f"audit log unavailable: {exc}", None) from None

    async def run_check(conv: Conversation) -> tuple[str, Report]:
        _check_lengths(conv, max_text)
        try:
            report = linter.check(conv, deadline=time.monotonic() + check_budget_s)
        except CheckTimeout as exc:  # the worker stays free for the next request
            raise ApiError(503, f"{exc} of {check_budget_s:g} s", {"budget_s": check_budget_s}) from None
        except ReplyguardError as exc:
            raise _input_error(exc) from None
        check_id = uuid.uuid4().hex
        sha = draft_hash(conv.draft.text)
        recent[check_id] = (conv.id, sha, {f.rule: f.action for f in report.findings})
        if len(recent) > RECENT_CHECKS:
            recent.popitem(last=False)
        if audit_log is not None:
            await log(check_record(check_id, conv, report, text=audit_log.text, draft_sha256=sha))
        return check_id, report

    draft_header = check_run(linter, "draft")  # the rules a format may name: made once
    answer_format = formats.answer_name()  # the default answer: one record (formats/jsonl.py)

    async def check(request: Request) -> Response:
        params: Mapping[str, str] = request.query_params if request.scope["query_string"] else {}  # parsed only if any
        fix = params.get("fix")
        if fix not in (None, "safe"):
            raise ApiError(400, f"fix: unknown value {fix!r} (allowed: 'safe')", {"field": "fix"})
        fmt = params.get("format")
        if fmt is not None and fmt not in formats.names():
            raise ApiError(400, f"format: unknown value {fmt!r} (allowed: {', '.join(formats.names())})",
                           {"field": "format"})
        if fmt is not None and fix is not None:
            raise ApiError(400, "fix: only with the default JSON answer, not with format", {"field": "fix"})
        body = await _read_body(request, max_body_bytes, body_timeout_s)
        conv = _parse_conversation(body)
        check_id, report = await run_check(conv)
        # the draft's run, written by a registered format: by default the jsonl record with
        # check_id first (and fixed_text with ?fix=safe); with ?format= the format's text,
        # the check id in a header
        run = draft_run(linter, conv.draft.text, report, fix=fix is not None, header=draft_header,
                        meta={"check_id": check_id} if fmt is None else None, compact=fmt is None)
        text = formats.render(fmt or answer_format, run, linter.config.fail_on)
        if fmt is None:
            return Response(text.encode("utf-8"), media_type="application/json")
        return Response(text.encode("utf-8"), media_type=formats.get(fmt).media_type,
                        headers={"X-Check-Id": check_id})

    def unprocessable(field: str, message: str) -> ApiError:
        return ApiError(422, f"{field}: {message}", [{"field": field, "message": message}])

    async def decisions(request: Request) -> Response:
        body = await _read_body(request, max_body_bytes, body_timeout_s)
        req: DecisionRequest = _parse(DecisionRequest, body, "a decision")
        if (req.conversation is None) == (req.check_id is None):
            raise unprocessable("conversation", "give either the checked conversation or its check_id")
        rules: list[str] = []
        for i, rid in enumerate(req.rules):
            full = resolve_rule_id(rid, known_rules)
            if full is None:
                raise unprocessable(f"rules.{i}", f"unknown rule {rid!r}")
            rules.append(full)
        if req.action == "overridden" and not rules:
            raise unprocessable("rules", "an override names the rules it overrides")
        found: dict[str, Action] | None = None
        case_id = draft_sha = None
        check_id = req.check_id
        if req.conversation is not None:
            check_id, report = await run_check(req.conversation)
            case_id, draft_sha = req.conversation.id, draft_hash(req.conversation.draft.text)
            found = {f.rule: f.action for f in report.findings}
        elif check_id is not None and check_id in recent:
            case_id, draft_sha, found = recent[check_id]
        if found is not None and req.action in ("sent", "overridden"):  # sending past a block is an override
            unlisted = sorted(r for r, a in found.items() if a in (Action.block, Action.approve) and r not in rules)
            if unlisted:
                raise unprocessable("rules", f"the draft has findings that block sending or need approval "
                                             f"({', '.join(unlisted)}): send it as 'overridden' naming them, "
                                             "with a reason")
        gated = [r for r in rules if (found or {}).get(r, linter.policy.rule_action(r))
                 in (Action.block, Action.approve)]
        reason = (req.reason or "").strip()
        if gated and not reason:
            raise unprocessable("reason", f"a reason is required to override {', '.join(gated)} "
                                          "(block/approve findings)")
        decision_id = uuid.uuid4().hex
        record: dict[str, Any] = {
            "v": 1, "ts": now_iso(), "type": "decision", "decision_id": decision_id, "check_id": check_id,
            "case_id": case_id, "draft_sha256": draft_sha, "action": req.action, "agent": req.agent,
            "rules": rules, "reason": reason or None,
            "overridden": {r: (found or {}).get(r, linter.policy.rule_action(r) or Action.allow).value
                           for r in rules}}
        await log(record)
        return _Json({"decision_id": decision_id, "check_id": check_id, "logged": audit_log is not None})

    async def rules(request: Request) -> Response:
        return _Json(rules_body)

    async def one_rule(request: Request) -> Response:
        rid = request.path_params["rule_id"]
        if rid not in rule_bodies:
            full = short_ids.get(rid, [])
            if len(full) != 1:
                raise ApiError(404, f"unknown rule {rid!r}" if not full else
                               f"ambiguous short rule id {rid!r}: use one of {', '.join(full)}",
                               {"rule": rid, "known": len(rule_bodies)})
            rid = full[0]
        return _Json(rule_bodies[rid])

    async def healthz(request: Request) -> Response:
        if audit_log is None:
            return _Json(health_body)
        log = audit_log
        return _Json({"status": "ok", "version": __version__, "rules": len(linter.rules), "audit_log": {
            "records": log.records, "batches": log.batches,
            "mean_write_ms": round(log.write_seconds * 1000 / log.batches, 3) if log.batches else None}})

    async def openapi(request: Request) -> Response:
        return _Json(openapi_body)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _error(exc.status, exc.message, exc.detail)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        messages = {404: "not found", 405: "method not allowed"}
        return _error(exc.status_code, messages.get(exc.status_code, str(exc.detail)),
                      {"path": request.url.path, "method": request.method}, headers=exc.headers)

    async def server_error(request: Request, exc: Exception) -> Response:
        return _error(500, "internal error", None)

    routes = [
        Route("/v1/check", check, methods=["POST"]),
        Route("/v1/decisions", decisions, methods=["POST"]),
        Route("/v1/rules", rules, methods=["GET"]),
        Route("/v1/rules/{rule_id:path}", one_rule, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/", index, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = []
    if cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(cors_origins),
                                     allow_methods=["GET", "POST"], allow_headers=["Content-Type"],
                                     expose_headers=["X-Check-Id"], max_age=600))
    middleware.append(Middleware(JsonPostOnly))  # inside CORS: a 415 carries the CORS headers
    middleware.append(Middleware(_PostEndpoints, {"/v1/check": check, "/v1/decisions": decisions}))
    return Starlette(routes=routes, middleware=middleware, exception_handlers={
        ApiError: api_error, HTTPException: http_error, Exception: server_error})


def app_from_options(options: dict[str, Any]) -> Starlette:
    """The app of one worker process of ``serve --workers N``: each worker builds its own
    linter from the config path the supervisor passed on (``None``: the config found from the
    working directory)."""
    from .config import resolve_config

    return create_app(Linter(resolve_config(options["config"])), max_body_bytes=options["max_body_bytes"],
                      cors_origins=options["cors_origins"], audit_log=open_audit_log(options.get("audit")))


def open_audit_log(options: dict[str, Any] | None) -> AuditLog | None:
    """The audit log described by ``serve``'s options (``None``: no logging)."""
    if not options:
        return None
    return AuditLog(options["path"], text=options["text"], max_bytes=options["max_bytes"],
                    backups=options["backups"])


def serve(linter: Linter, *, host: str = "127.0.0.1", port: int = 8787,
          max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, cors_origins: list[str] | tuple[str, ...] = (),
          workers: int = 1, config_path: str | None = None, log_level: str = "info",
          audit: dict[str, Any] | None = None) -> None:
    """Run the service under uvicorn until interrupted.

    A check holds the GIL, so one process uses one core; ``workers > 1`` runs that many
    processes on one port (see :mod:`replyguard.workers`), each with its own linter built from
    ``config_path`` (``None``: the config found from the working directory, as ``linter`` was).
    ``audit`` (``path``, ``text``, ``max_bytes``, ``backups``) turns on the audit log; all
    workers append to the one file.
    """
    if audit:
        audit = {**audit, "path": os.path.abspath(audit["path"])}
    if workers > 1:
        from .workers import run_workers

        code = run_workers(workers, {
            "host": host, "port": port, "log_level": log_level,
            "config": os.path.abspath(config_path) if config_path else None,
            "max_body_bytes": max_body_bytes, "cors_origins": list(cors_origins), "audit": audit})
        if code:
            raise SystemExit(code)
        return
    app = create_app(linter, max_body_bytes=max_body_bytes, cors_origins=cors_origins,
                     audit_log=open_audit_log(audit))
    tune_gc(SERVER)  # only serve tunes the collector, never create_app
    if not run_server(app, host=host, port=port, log_level=log_level, access_log=False, server_header=False,
                      proxy_headers=True):
        raise SystemExit(1)  # uvicorn logged why it could not start (the port is in use, ...)
