/*
 * replyguard demo agent page: a pre-send hook in a reply composer.
 *
 * What to copy into your own agent UI:
 *   - checkDraft(): POST the conversation to /v1/check?fix=safe before sending;
 *   - gate(): the report's decision: block/approve stop sending (an override needs a reason,
 *     recorded on the server with POST /v1/decisions), warn asks to confirm, allow sends;
 *   - renderHighlights(): finding spans (code-point offsets into draft.text) as <mark>s in a
 *     layer under the textarea;
 *   - suggestion buttons: finding.suggestions and report.suggestions inserted with one click.
 * No framework, no build step. Texts from the API are inserted with textContent only.
 */
(() => {
  "use strict";

  // Where the replyguard service is; set window.REPLYGUARD_API before this script to use
  // another origin (the service must then allow it with --cors-origin).
  // Without it, the API is addressed relative to this page (works behind a path prefix).
  const API = (window.REPLYGUARD_API || ".").replace(/\/$/, "");
  const LIVE_CHECK_MS = 350;
  const SEVERITY_LABEL = { error: "エラー", warning: "警告", info: "情報" };
  const CHANNEL_LABEL = { x: "X", facebook: "Facebook", instagram: "Instagram", line: "LINE", youtube: "YouTube", other: "その他" };

  const $ = (id) => document.getElementById(id);
  const el = {
    sample: $("sample"), channel: $("channel"), brandName: $("brand-name"), post: $("post"),
    thread: $("thread"), history: $("history"), historyCount: $("history-count"),
    agentHandle: $("agent-handle"), draft: $("draft"), backdrop: $("backdrop"), status: $("status"),
    count: $("count"), check: $("check"), send: $("send"), applySafe: $("apply-safe"),
    gate: $("gate"), gateBlock: $("gate-block"), gateConfirm: $("gate-confirm"),
    gateUnavailable: $("gate-unavailable"), gateUnavailableDetail: $("gate-unavailable-detail"),
    override: $("override"), overrideReason: $("override-reason"),
    overrideSend: $("override-send"), overrideCancel: $("override-cancel"),
    confirmSend: $("confirm-send"), confirmCancel: $("confirm-cancel"), retry: $("retry"),
    findings: $("findings"), findingsCount: $("findings-count"),
    recommendedBox: $("recommended-box"), recommended: $("recommended"), sentLog: $("sent-log"),
    suggestionTpl: $("suggestion-tpl"),
  };

  let data = null;          // samples.json
  let convo = null;         // the selected conversation (post, thread, history) as API messages
  let last = null;          // {text, report, fixed_text} of the latest check
  let liveTimer = 0;
  let seq = 0;              // drops responses of superseded checks

  // ---- conversation -------------------------------------------------------------------
  const isoMinutesAgo = (m) => new Date(Date.now() - m * 60000).toISOString();

  function toMessage(m) {
    const out = { author: m.author, text: m.text };
    if (m.id) out.id = m.id;
    if (m.in_reply_to) out.in_reply_to = m.in_reply_to;
    if (m.minutes_ago !== undefined) out.created_at = isoMinutesAgo(m.minutes_ago);
    return out;
  }

  function loadSample(sample) {
    convo = {
      id: sample.id,
      channel: sample.channel,
      brand: data.brand,
      post: toMessage(sample.post),
      thread: sample.thread.map(toMessage),
      history: sample.history.map(toMessage),
    };
    el.draft.value = sample.draft;
    autoGrow();
    last = null;
    hideGate();
    renderConversation();
    renderReport(null);
    scheduleCheck(0);
  }

  /** The request body of /v1/check: the conversation plus the draft as it would be sent now. */
  function conversationFor(text) {
    return { ...convo, draft: { author: data.agent, text, in_reply_to: convo.post.id,
                                created_at: new Date().toISOString() } };
  }

  const isBrand = (author) => data.brand.handles.includes(author);

  function messageNode(m, tag = "li") {
    const node = document.createElement(tag);
    node.className = "message" + (isBrand(m.author) ? " brand" : "");
    const head = document.createElement("div");
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = "@" + m.author;
    head.append(who);
    if (m.created_at) {
      const when = document.createElement("span");
      when.className = "when";
      when.textContent = new Date(m.created_at).toLocaleString("ja-JP", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
      head.append(when);
    }
    const body = document.createElement("div");
    body.className = "body";
    body.textContent = m.text;
    node.append(head, body);
    return node;
  }

  function renderConversation() {
    el.channel.textContent = CHANNEL_LABEL[convo.channel] || convo.channel;
    el.brandName.textContent = `${data.brand.name}（@${data.brand.handles.join(" @")}）`;
    el.agentHandle.textContent = "@" + data.agent + " として返信";
    const post = messageNode(convo.post, "div");
    el.post.replaceChildren(...post.childNodes);
    el.thread.replaceChildren(...convo.thread.map((m) => messageNode(m)));
    el.history.replaceChildren(...convo.history.map((m) => messageNode(m)));
    el.historyCount.textContent = String(convo.history.length);
  }

  // ---- the hook -----------------------------------------------------------------------
  class HookError extends Error {}

  /** POST /v1/check?fix=safe. Resolves to {report, fixed_text}; rejects with HookError. */
  async function checkDraft(text) {
    let res;
    try {
      res = await fetch(`${API}/v1/check?fix=safe`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(conversationFor(text)),
      });
    } catch (e) {
      throw new HookError("ネットワークエラー: " + e.message);
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      throw new HookError(`${res.status}: ${(body && body.error) || res.statusText}`);
    }
    return body;
  }

  async function runCheck() {
    const text = el.draft.value;
    const mine = ++seq;
    el.status.textContent = "チェック中…";
    const started = performance.now();
    const result = await checkDraft(text);
    if (mine !== seq) return null; // a newer check is under way
    last = { text, report: result, fixed_text: result.fixed_text };
    el.status.textContent = `チェック済み（${Math.round(performance.now() - started)} ms）`;
    renderReport(last);
    return last;
  }

  function scheduleCheck(delay = LIVE_CHECK_MS) {
    clearTimeout(liveTimer);
    liveTimer = setTimeout(() => {
      if (!el.draft.value.trim()) { last = null; renderReport(null); el.status.textContent = ""; return; }
      runCheck().catch((e) => { el.status.textContent = "チェックできません（" + e.message + "）"; });
    }, delay);
  }

  // ---- findings, highlights, suggestions ----------------------------------------------
  /** A code-point offset (what the API returns) as a UTF-16 index (what JS strings use). */
  function cpToIndex(text, cp) {
    let i = 0;
    for (let n = 0; n < cp && i < text.length; n++) {
      i += text.codePointAt(i) > 0xffff ? 2 : 1;
    }
    return i;
  }

  function spanRange(text, span) {
    return [cpToIndex(text, span.start), cpToIndex(text, span.end)];
  }

  function renderHighlights() {
    const text = el.draft.value;
    const nodes = [];
    const fresh = last && last.text === text;
    if (fresh) {
      const spans = last.report.findings
        .map((f, i) => ({ f, i }))
        .filter(({ f }) => f.span && f.span.end > f.span.start)
        .map(({ f, i }) => ({ i, sev: f.severity, range: spanRange(text, f.span) }))
        .sort((a, b) => a.range[0] - b.range[0] || b.range[1] - a.range[1]);
      let pos = 0;
      for (const s of spans) {
        const [a, b] = s.range;
        if (a < pos) continue; // overlapping spans: the first one wins in the layer
        nodes.push(document.createTextNode(text.slice(pos, a)));
        const mark = document.createElement("mark");
        mark.className = s.sev;
        mark.dataset.finding = String(s.i);
        mark.textContent = text.slice(a, b);
        nodes.push(mark);
        pos = b;
      }
      nodes.push(document.createTextNode(text.slice(pos)));
    } else {
      nodes.push(document.createTextNode(text));
    }
    nodes.push(document.createTextNode("\n")); // keeps the layer as tall as the textarea
    el.backdrop.replaceChildren(...nodes);
    el.backdrop.scrollTop = el.draft.scrollTop;
  }

  function suggestionNode(s) {
    const node = el.suggestionTpl.content.firstElementChild.cloneNode(true);
    node.querySelector(".suggestion-text").textContent = s.text;
    node.querySelector(".template-id").textContent = s.template;
    node.querySelector('[data-action="replace"]').addEventListener("click", () => setDraft(s.text));
    node.querySelector('[data-action="append"]').addEventListener("click", () => {
      const cur = el.draft.value.replace(/\s+$/, "");
      setDraft(cur ? cur + "\n" + s.text : s.text);
    });
    return node;
  }

  async function explainRule(button, ruleId, box) {
    if (!box.hidden) { box.hidden = true; return; }
    if (!box.textContent) {
      try {
        const res = await fetch(`${API}/v1/rules/${ruleId.split("/").map(encodeURIComponent).join("/")}`);
        const rule = await res.json();
        box.textContent = res.ok
          ? [rule.description, rule.when && `条件: ${rule.when}`].filter(Boolean).join("\n")
          : rule.error;
      } catch (e) {
        box.textContent = "説明を取得できません: " + e.message;
      }
    }
    box.hidden = false;
  }

  function findingNode(f, i, text) {
    const li = document.createElement("li");
    li.className = "finding " + f.severity;
    li.dataset.rule = f.rule;
    const head = document.createElement("div");
    head.className = "finding-head";
    const sev = document.createElement("span");
    sev.className = "sev " + f.severity;
    sev.textContent = SEVERITY_LABEL[f.severity] || f.severity;
    const msg = document.createElement("span");
    msg.className = "message-text";
    msg.textContent = f.message;
    const rule = document.createElement("button");
    rule.type = "button";
    rule.className = "rule-id";
    rule.textContent = f.rule;
    rule.title = "ルールの説明";
    head.append(sev, msg, rule);
    li.append(head);
    if (f.span && text !== null) {
      const [a, b] = spanRange(text, f.span);
      const ex = document.createElement("div");
      ex.className = "excerpt";
      const q = document.createElement("q");
      q.textContent = text.slice(a, b);
      ex.append("該当箇所: ", q);
      li.append(ex);
      const focus = () => el.backdrop.querySelectorAll("mark").forEach((m) => m.classList.toggle("active", m.dataset.finding === String(i)));
      li.addEventListener("mouseenter", focus);
      li.addEventListener("mouseleave", () => el.backdrop.querySelectorAll("mark.active").forEach((m) => m.classList.remove("active")));
    }
    const explain = document.createElement("p");
    explain.className = "explain";
    explain.hidden = true;
    rule.addEventListener("click", () => explainRule(rule, f.rule, explain));
    li.append(explain);
    if (f.fix && text !== null) {
      const fixRow = document.createElement("div");
      fixRow.className = "actions";
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "small";
      btn.textContent = `「${f.fix.replacement}」に修正`;
      btn.addEventListener("click", () => {
        const [a, b] = spanRange(text, f.fix.span);
        setDraft(text.slice(0, a) + f.fix.replacement + text.slice(b));
      });
      fixRow.append(btn);
      li.append(fixRow);
    }
    if (f.suggestions.length) {
      const ul = document.createElement("ul");
      ul.className = "suggestions";
      ul.append(...f.suggestions.map(suggestionNode));
      li.append(ul);
    }
    return li;
  }

  function renderReport(state) {
    const report = state && state.report;
    const findings = report ? report.findings : [];
    el.findings.replaceChildren(...findings.map((f, i) => findingNode(f, i, state.text)));
    const n = { error: 0, warning: 0, info: 0 };
    findings.forEach((f) => { n[f.severity] = (n[f.severity] || 0) + 1; });
    el.findingsCount.textContent = report
      ? `エラー ${n.error}・警告 ${n.warning}・情報 ${n.info}` : "";
    const recommended = report ? report.suggestions : [];
    el.recommendedBox.hidden = recommended.length === 0;
    el.recommended.replaceChildren(...recommended.map(suggestionNode));
    el.applySafe.hidden = !(state && state.fixed_text !== undefined && state.fixed_text !== state.text);
    renderHighlights();
  }

  function setDraft(text) {
    el.draft.value = text;
    el.draft.focus();
    onInput();
    scheduleCheck(0);
  }

  /** The textarea grows with its text, so it never shows a scrollbar the layer does not have. */
  function autoGrow() {
    el.draft.style.height = "auto";
    el.draft.style.height = el.draft.scrollHeight + "px";
  }

  function onInput() {
    hideGate();
    autoGrow();
    renderHighlights();
    el.count.textContent = `${[...el.draft.value].length}文字`;
  }

  // ---- the send gate ------------------------------------------------------------------
  function hideGate() {
    el.gate.hidden = true;
    el.gateBlock.hidden = el.gateConfirm.hidden = el.gateUnavailable.hidden = true;
    el.override.hidden = true;
    el.overrideReason.value = "";
    el.overrideSend.disabled = true;
  }

  function showGate(which) {
    hideGate();
    el.gate.hidden = false;
    which.hidden = false;
  }

  async function onSend() {
    const text = el.draft.value;
    if (!text.trim()) { el.draft.focus(); return; }
    clearTimeout(liveTimer);
    el.send.disabled = true;
    let state;
    try {
      state = await runCheck();
    } catch (e) {
      // The hook is unavailable: fail closed, but let the agent send with a recorded reason.
      el.gateUnavailableDetail.textContent = e.message;
      showGate(el.gateUnavailable);
      return;
    } finally {
      el.send.disabled = false;
    }
    if (!state || state.text !== el.draft.value) return; // edited while checking
    gate(state);
  }

  /** The server's policy decides: block/approve stop, warn asks for confirmation, allow sends. */
  function gate(state) {
    const decision = state.report.decision;
    if (decision === "block" || decision === "approve") showGate(el.gateBlock);
    else if (decision === "warn") showGate(el.gateConfirm);
    else send(state.text, null);
  }

  /** The rules an override of the checked text passes over (block and approve findings). */
  function gatedRules(state) {
    return state.report.findings.filter((f) => f.action === "block" || f.action === "approve").map((f) => f.rule);
  }

  /** POST /v1/decisions: what the agent did with the checked draft (the server keeps the log). */
  async function recordDecision(body) {
    const res = await fetch(`${API}/v1/decisions`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const json = await res.json().catch(() => null);
    if (!res.ok) throw new HookError(`${res.status}: ${(json && json.error) || res.statusText}`);
    return json;
  }

  /** Record the decision, then deliver. An override that the server refused is not sent;
   *  one made while the hook is down is sent and marked as not recorded. */
  async function send(text, override) {
    const fresh = last && last.text === text && last.report.check_id;
    let recorded = null;
    if (fresh) {
      const body = override
        ? { action: "overridden", agent: data.agent, rules: override.rules, reason: override.reason,
            check_id: last.report.check_id }
        : { action: "sent", agent: data.agent, check_id: last.report.check_id };
      try {
        recorded = await recordDecision(body);
      } catch (e) {
        el.status.textContent = "送信できません: " + e.message;
        return;
      }
    }
    deliver(text, override, recorded);
  }

  /** Stand-in for posting the reply: adds it to the thread and the send log. */
  function deliver(text, override, recorded) {
    const msg = { author: data.agent, text, in_reply_to: convo.post.id, created_at: new Date().toISOString() };
    convo.thread.push(msg);
    el.thread.append(messageNode(msg));
    const li = document.createElement("li");
    li.textContent = text;
    if (override) {
      const note = document.createElement("div");
      note.className = "override-note";
      const where = recorded && recorded.logged ? `記録 ${recorded.decision_id.slice(0, 8)}`
        : recorded ? "サーバーの監査ログは無効" : "未記録（チェックなし）";
      note.textContent = `エラーを承知で送信（理由: ${override.reason}）— ${override.rules.join(", ")}（${where}）`;
      li.append(note);
    }
    el.sentLog.append(li);
    hideGate();
    el.draft.value = "";
    last = null;
    renderReport(null);
    onInput();
    el.status.textContent = "送信しました";
  }

  // ---- wiring -------------------------------------------------------------------------
  el.draft.addEventListener("input", () => { onInput(); scheduleCheck(); });
  el.draft.addEventListener("scroll", () => { el.backdrop.scrollTop = el.draft.scrollTop; });
  el.check.addEventListener("click", () => { clearTimeout(liveTimer); runCheck().catch((e) => { el.status.textContent = "チェックできません（" + e.message + "）"; }); });
  el.send.addEventListener("click", onSend);
  el.retry.addEventListener("click", onSend);
  el.applySafe.addEventListener("click", () => { if (last && last.fixed_text !== undefined) setDraft(last.fixed_text); });
  el.confirmSend.addEventListener("click", () => { if (last && last.text === el.draft.value) send(last.text, null); });
  el.confirmCancel.addEventListener("click", () => { hideGate(); el.draft.focus(); });
  document.querySelectorAll(".override-trigger").forEach((b) => b.addEventListener("click", () => {
    el.override.hidden = false;
    el.overrideReason.focus();
  }));
  el.overrideCancel.addEventListener("click", () => { el.override.hidden = true; el.overrideReason.value = ""; el.overrideSend.disabled = true; });
  el.overrideReason.addEventListener("input", () => { el.overrideSend.disabled = el.overrideReason.value.trim().length < 2; });
  el.overrideSend.addEventListener("click", () => {
    const reason = el.overrideReason.value.trim();
    if (reason.length < 2) return;
    const rules = last && last.text === el.draft.value ? gatedRules(last) : ["（未チェック）"];
    send(el.draft.value, { reason, rules });
  });
  el.sample.addEventListener("change", () => loadSample(data.samples[el.sample.selectedIndex]));

  fetch("static/samples.json")
    .then((r) => r.json())
    .then((json) => {
      data = json;
      el.sample.replaceChildren(...data.samples.map((s) => new Option(s.label, s.id)));
      loadSample(data.samples[0]);
      document.body.dataset.ready = "1";
    })
    .catch((e) => { el.status.textContent = "サンプルを読み込めません: " + e.message; });
})();
