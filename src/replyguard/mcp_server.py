"""``replyguard mcp``: the pre-send gate as a Model Context Protocol server, for LLM agents
that draft replies.

Tools: ``check_reply`` (a conversation in the case format → decision, findings with spans and
messages, suggested templates), ``fix_reply`` (safe fixes applied, then checked again) and
``explain_rule``; the loaded rules are the resource ``replyguard://rules``. Built on the
official ``mcp`` SDK (the ``[mcp]`` extra); stdio by default, streamable HTTP as an option.

The descriptions are written for the model that calls the tools: pass the customer's post and
the thread, not only the draft; revise and check again until the decision allows sending; a
``block`` is never to be worked around.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field, ValidationError

from . import __version__
from .errors import ReplyguardError
from .linter import Linter, apply_fixes
from .models import Action, Conversation, Report

INSTRUCTIONS = """\
replyguard checks a draft reply to a customer's social-media post (Japanese customer support) \
before it is sent. Call check_reply with the whole conversation: the customer's post, the \
thread under it, the customer's history with the brand if known, and your draft. Then act on \
'decision': 'allow' - send; 'warn' - fix what you can, tell the human about the rest; \
'approve' - a person must approve (or give a reason) before sending; 'block' - do not send: \
revise the draft following the findings (or use a suggested template) and call check_reply \
again. Never try to get around a block (rewording only to dodge a rule, splitting the reply, \
sending elsewhere); a human can override it with a reason in the agent UI, you cannot."""

CONVERSATION_HELP = """\
The conversation, as JSON: {"channel": "x"|"facebook"|"instagram"|"line"|"youtube"|"other", \
"brand": {"name": str, "handles": [str]}, "post": {"author": str, "text": str, "created_at": ISO time?}, \
"thread": [message...] (replies under the post, oldest first), "history": [message...] (the \
customer's earlier exchanges with the brand), "draft": {"author": the brand handle you reply as, \
"text": your draft}, "ignore": [{"rule": id, "reason": why it does not apply}] (optional, rarely \
needed; a block cannot be ignored). post and draft are required; include the thread and the \
brand handles: several rules depend on them (already answered, unanswered questions, tone)."""

CHECK_DESCRIPTION = f"""\
Check a draft reply in its conversation before sending it. Returns 'decision' (allow, warn, \
approve or block - the strictest action of the findings), 'findings' (each with rule, \
category, severity, action, message, the offending 'excerpt' and its 'span' as code-point \
offsets into draft.text, an optional safe 'fix', and templates suggested for it) and \
'suggested_templates' (ready-made replies that fit the post). Revise the draft and call \
check_reply again until the decision is 'allow' (or 'warn' that a human accepted). Never send \
a draft whose decision is 'block'. {CONVERSATION_HELP}"""

FIX_DESCRIPTION = f"""\
Apply the safe fixes of a draft (mechanical corrections such as keigo slips; never changes of \
meaning) and check the fixed draft again. Returns 'fixed_text', the fixes applied, and the new \
'decision' and 'findings' of the fixed draft: what is left needs your revision. Same \
'conversation' argument as check_reply. {CONVERSATION_HELP}"""

EXPLAIN_DESCRIPTION = """\
Explain one rule: why it exists, when it applies (its condition), its severity and policy \
action, and examples of drafts that fail and pass it. Use it when a finding is unclear before \
revising. 'rule_id' is the id from a finding, e.g. 'privacy/personal-data' (a short id such as \
'personal-data' works when unambiguous)."""

ConversationArg = Annotated[dict[str, Any], Field(description=CONVERSATION_HELP)]

NEXT_STEP = {
    Action.allow: "allow: the draft may be sent.",
    Action.warn: "warn: revise what the findings point out if you can; otherwise a human confirms before sending.",
    Action.approve: "approve: do not send on your own; a person must approve it or record a reason.",
    Action.block: "block: do not send. Revise the draft following the findings (or use a suggested "
                  "template) and call check_reply again.",
}


def _tool_error(message: str) -> Exception:
    from mcp.server.mcpserver.exceptions import ToolError

    return ToolError(message)


def parse_conversation(value: Any) -> Conversation:
    """The tool argument as a conversation; a ToolError naming the field when it is not one."""
    if isinstance(value, str):  # some clients pass JSON objects as strings
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise _tool_error(f"conversation: not a JSON object ({exc})") from None
    if not isinstance(value, dict):
        raise _tool_error("conversation: must be an object with at least 'post' and 'draft'")
    try:
        return Conversation.model_validate(value)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        parts = [f"conversation.{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in errors[:5]]
        raise _tool_error("; ".join(parts)) from None


def report_result(linter: Linter, conv: Conversation, report: Report) -> dict[str, Any]:
    """The answer of check_reply: the report with excerpts of the spans and the next step."""
    text = conv.draft.text
    findings = []
    for f in report.findings:
        item: dict[str, Any] = {"rule": f.rule, "category": f.category, "severity": f.severity.value,
                                "action": f.action.value, "message": f.message}
        if f.span is not None:
            item["span"] = {"start": f.span.start, "end": f.span.end}
            item["excerpt"] = text[f.span.start:f.span.end]
        if f.fix is not None:
            item["fix"] = {"replacement": f.fix.replacement, "safe": f.fix.safe}
        if f.suggestions:
            item["suggested_templates"] = [{"template": s.template, "text": s.text} for s in f.suggestions]
        findings.append(item)
    return {
        "decision": report.decision.value,
        "next_step": NEXT_STEP[report.decision],
        "findings": findings,
        "suggested_templates": [{"template": s.template, "text": s.text} for s in report.suggestions],
        "suppressed": [{"rule": s.rule, "reason": s.reason, "findings": len(s.findings)} for s in report.suppressed],
    }


def build_server(linter: Linter) -> Any:
    """The MCP server around one built linter."""
    from mcp.server.mcpserver import MCPServer
    from mcp.types import ToolAnnotations

    from .server import rule_info

    server = MCPServer("replyguard", version=__version__, instructions=INSTRUCTIONS,
                       description="Pre-send checks of customer-support replies on social media (Japanese)")
    read_only = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)
    rules_doc = json.dumps({"rules": [rule_info(linter, r) for r in linter.rules]}, ensure_ascii=False, indent=1)

    def check(conversation: Any) -> tuple[Conversation, Report]:
        conv = parse_conversation(conversation)
        try:
            return conv, linter.check(conv)
        except ReplyguardError as exc:
            raise _tool_error(str(exc) if str(exc).startswith("ignore") else f"conversation: {exc}") from None

    @server.tool(description=CHECK_DESCRIPTION, annotations=read_only)
    def check_reply(conversation: ConversationArg) -> dict[str, Any]:
        conv, report = check(conversation)
        return report_result(linter, conv, report)

    @server.tool(description=FIX_DESCRIPTION, annotations=read_only)
    def fix_reply(conversation: ConversationArg) -> dict[str, Any]:
        conv, report = check(conversation)
        fixed = apply_fixes(conv.draft.text, report)
        applied = [{"rule": f.rule, "excerpt": conv.draft.text[f.fix.span.start:f.fix.span.end],
                    "replacement": f.fix.replacement}
                   for f in report.findings if f.fix is not None and f.fix.safe]
        conv2 = conv.model_copy(update={"draft": conv.draft.model_copy(update={"text": fixed})})
        after = report_result(linter, conv2, linter.check(conv2))
        return {"fixed_text": fixed, "applied": applied, **after}

    @server.tool(description=EXPLAIN_DESCRIPTION, annotations=read_only)
    def explain_rule(rule_id: Annotated[str, Field(description="a rule id from a finding")]) -> dict[str, Any]:
        rule = linter.rule(rule_id.strip())
        if rule is None:
            raise _tool_error(f"rule_id: unknown rule {rule_id!r} (the loaded rules are the resource "
                              "replyguard://rules)")
        return rule_info(linter, rule)

    @server.resource("replyguard://rules", name="rules", mime_type="application/json",
                     description="The loaded rules: id, category, severity, policy action, message, "
                                 "rationale, condition and examples.")
    def rules() -> str:
        return rules_doc

    return server


def run(linter: Linter, *, transport: str = "stdio", host: str = "127.0.0.1", port: int = 8788) -> None:
    """Serve until the client disconnects (stdio) or until interrupted (streamable HTTP)."""
    server = build_server(linter)
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=host, port=port)
