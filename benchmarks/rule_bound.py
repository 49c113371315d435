"""The slowest single rule on a hostile draft (issue 14): the server's check-time budget is
checked between rules, so one rule that runs long on a draft of ``max_text_chars`` would
overrun it. This times every rule of the built-in packs, one by one, as ``Linter.check`` runs
them (its ``when`` and its check, with the analyses it is the first to ask for), on drafts
of ``max_text_chars`` made of one repeated piece each::

    .venv/bin/python benchmarks/rule_bound.py                 # every family, best of 3
    .venv/bin/python benchmarks/rule_bound.py --post hostile  # the post as long and as hostile
    .venv/bin/python benchmarks/rule_bound.py --thread 6      # and 6 + 6 such messages around it

It prints, per family, the whole check, the slowest rules and the longest step between two
looks at the time budget (:mod:`replyguard.budget`: before each rule, before each text a rule
analyses, every 64 findings): how far a check can run past its deadline.
Not a test: no assertion on time (tests/regressions/test_regress_rule_bound.py checks what
the drafts give, not how fast).
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from typing import NamedTuple

from replyguard import Config, Linter, budget
from replyguard.context import Context
from replyguard.doc import doc_for
from replyguard.models import Brand, Conversation, Message
from replyguard.suggestions import conversation_variables
from replyguard.tokens import clear_sentence_cache

FAMILIES = {
    "kana-run": "あ",
    "repeated-kana-phrase": "ありがとうございます",
    "many-sentences": "はい。",
    "many-questions": "ですか？",
    "emoji": "😀",
    "zwj-emoji": "👩\u200d👩\u200d👧👍🏽🇯🇵",
    "one-char-w": "w",
    "long-vowel-run": "ー",
    "exclamations": "！",
    "newlines": "あ\n",
    "urls": "https://example.com/help?q=%E3%81%82&x=1 ",
    "mentions": "@midori_support @customer_1 ",
    "email-at": "a.b-c_d" * 3 + "@",
    "phones": "090-1234-5678 ",
    "digits": "０９０-１２３４-５６７８ 4111 1111 1111 1111 ",
    "keigo": "ご覧になられましたでしょうか。させていただきます。",
    "halfwidth-kana": "ｺﾞ覧ﾆﾅﾗﾚﾏｼﾀｶ？",
    "combining": "e\u0301か\u3099ｶ\uff9e",
    "kanji": "確認対応",
    "reply": "ご不便をおかけしております。ご覧になられましたか？仕様です。DMにてお知らせください。",
    "brush-off": "仕様ですので対応できかねます。システム上の都合です。",
}
ORDINARY_POST = "注文した商品がまだ届かないんだけど？"


def fill(piece: str, length: int) -> str:
    return (piece * (length // len(piece) + 1))[:length]


def conversation(draft: str, post: str) -> Conversation:
    return Conversation(channel="x", brand=Brand(name="ミドリ電機", handles=("midori_support",)),
                        post=Message(author="customer", text=post),
                        draft=Message(author="midori_support", text=draft))


class Run(NamedTuple):
    whole: float
    per_rule: dict[str, float]
    findings: int
    longest_step: float  # the longest time between two looks at the budget


def timed_check(linter: Linter, conv: Conversation, clock: Callable[[], float] = time.perf_counter) -> Run:
    """The check of :meth:`Linter.check`, rule by rule, with the budget's checks inside rules
    (:mod:`replyguard.budget`) timed too: between two of them is the longest a check can run
    past its deadline."""
    looks: list[float] = []

    def look() -> float:
        looks.append(clock())
        return time.monotonic()

    real, budget.monotonic = budget.monotonic, look
    try:
        t0 = clock()
        conv = linter._prepare(conv)
        ctx = Context(conv, linter.packset.facts, linter.settings, linter.analyser)
        per_rule = {"(context)": clock() - t0}
        variables = {**conversation_variables(conv), **linter.config.variables}
        rendered: dict[str, str] = {}
        findings = 0
        with budget.check_budget(time.monotonic() + 3600):
            for rule in linter.rules:
                t = clock()
                looks.append(t)  # the linter looks before each rule
                if rule.when.evaluate(ctx.fact):
                    for n, hit in enumerate(rule.checker.run(ctx), start=1):
                        linter._finding(rule, hit, ctx, variables, rendered)
                        findings += 1
                        if n % budget.HITS_PER_CHECK == 0:
                            budget.spend(rule.id)
                per_rule[rule.id] = clock() - t
        looks.append(clock())
        ctx.draft.release_tokens()
        ctx.post.release_tokens()
    finally:
        budget.monotonic = real
    steps = [b - a for a, b in itertools.pairwise(looks)]
    return Run(clock() - t0, per_rule, findings, max(steps))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--post", choices=["ordinary", "hostile"], default="ordinary",
                   help="hostile: the post is the same family at the same length")
    p.add_argument("--top", type=int, default=3)
    p.add_argument("--only", help="comma-separated families")
    p.add_argument("--thread", type=int, default=0, metavar="N",
                   help="also N thread and N history messages of the family, each max_text_chars long")
    args = p.parse_args()
    linter = Linter(Config())
    length = linter.config.max_text_chars
    linter.check(conversation("ウォームアップです。", ORDINARY_POST))
    worst = (0.0, "", "")
    longest = (0.0, "")
    families = args.only.split(",") if args.only else list(FAMILIES)
    for name in families:
        draft = fill(FAMILIES[name], length)
        post = fill(FAMILIES[name], length) if args.post == "hostile" else ORDINARY_POST
        texts = [fill(FAMILIES[name], length - 4) + f"{i:03}" for i in range(args.thread)]
        case = conversation(draft, post).model_copy(update={
            "thread": [Message(author="customer", text=t) for t in texts],
            "history": [Message(author="customer", text=t + "。") for t in texts]})
        best: Run | None = None
        for _ in range(args.repeat):
            doc_for.cache_clear()  # a new draft each time, as in the server
            clear_sentence_cache()
            run = timed_check(linter, case)
            if best is None or run.whole < best.whole:
                best = run
        assert best is not None
        top = sorted(best.per_rule.items(), key=lambda kv: -kv[1])[:args.top]
        print(f"{name:21} check {best.whole * 1000:7.1f} ms, {best.findings:5} findings, longest step "
              f"{best.longest_step * 1000:5.1f} ms; slowest rules: "
              + ", ".join(f"{rid} {t * 1000:.1f}" for rid, t in top), flush=True)
        worst = max(worst, (top[0][1], top[0][0], name))
        longest = max(longest, (best.longest_step, name))
    where = f"{length:,} chars, post {args.post}, {args.thread} thread + {args.thread} history messages"
    print(f"slowest rule: {worst[1]} on {worst[2]} ({where}): {worst[0] * 1000:.1f} ms")
    print(f"longest step between two looks at the budget: {longest[0] * 1000:.1f} ms on {longest[1]}")


if __name__ == "__main__":
    main()
