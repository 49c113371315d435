"""Facts about a conversation: built-in ones and the ones packs declare.

Two shapes of fact:

* *scoped* facts classify texts and are used as ``SCOPE.NAME``: ``post.complaint`` is true
  when the post matches the ``complaint`` fact; ``history.casual`` when any of the customer's
  earlier messages does. Scopes: post, draft, thread, thread_brand, history, history_brand.
* *conversation* facts are used by bare name: ``public``, ``rapport`` — built in, or declared
  by a pack with ``when:`` over other facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .context import Context
from .doc import Doc
from .emoji_tone import bright_emoji
from .expr import Node
from .matcher import Matcher, Span
from .schema import SCOPES
from .set_answers import SetAnswers

DocTest = Callable[[Doc, Context], bool]


def _endings(doc: Doc, kind: str) -> bool:
    return any(e[0] == kind for e in doc.endings)


def _registers(doc: Doc, *kinds: str, asks: bool | None = None) -> bool:
    return any(r.register in kinds and (asks is None or r.question == asks) for r in doc.registers)


_BRIGHT = object()  # the memo key of _bright


def _bright(doc: Doc) -> bool:
    """Whether the text has a cheerful emoji, kept on its Doc (asked of the draft and the brand's
    earlier replies in every check; the answer depends on the text alone)."""
    found = doc.memo.get(_BRIGHT)
    if found is None:
        found = doc.memo[_BRIGHT] = bool(bright_emoji(doc))
    return found  # type: ignore[return-value]


def _no_polite(doc: Doc) -> bool:
    return _registers(doc, "plain", "casual") and not _registers(doc, "polite")


BUILTIN_SCOPED: dict[str, tuple[DocTest, str]] = {
    "mentions_brand": (lambda d, c: any(f"@{h}" in d.text.lower() for h in c.handles),
                       "an @mention of one of the brand's handles"),
    "mention": (lambda d, c: "@" in d.text, "any @mention"),
    "brand_name": (lambda d, c: bool(c.conv.brand.name) and c.conv.brand.name in d.text,
                   "the brand's name"),
    "emoji": (lambda d, c: d.emoji_count() >= 1, "at least one emoji"),
    "many_emoji": (lambda d, c: d.emoji_count() >= 3, "three or more emoji"),
    "bright_emoji": (lambda d, c: _bright(d),
                     "a cheerful emoji (🎉 ✨ 🌟 😊 💪 ♪ …, judged by its Unicode name: see emoji_tone.py)"),
    "url": (lambda d, c: bool(d.urls), "a URL"),
    "personal_email": (lambda d, c: any(kind == "email" and not c.is_brand_contact(d.text[a:b])
                                        for a, b, kind in d.addresses),
                       "an e-mail address that is not one of the brand's contact points (brand.contacts)"),
    "question_mark": (lambda d, c: "?" in d.text, "a question mark (？ or ?)"),
    "polite_ending": (lambda d, c: _endings(d, "polite"), "a sentence ending in です/ます"),
    "plain_ending": (lambda d, c: _endings(d, "plain"), "a sentence ending in plain form (だ, 〜る, 〜た)"),
    "casual_ending": (lambda d, c: _registers(d, "casual"),
                      "a sentence in casual speech: a plain ending with よ/ね/な, a bare て-form request, "
                      "ありがとう without ございます"),
    "no_polite": (lambda d, c: _no_polite(d), "plain or casual sentences and not one polite sentence (タメ口)"),
    "plain_question": (lambda d, c: _registers(d, "plain", "casual", asks=True),
                       "a question in plain form (何運ぶの？, 悪くない？)"),
    "present": (lambda d, c: bool(d.text.strip()), "the scope has any text"),
}

# Scopes of template entries, used by ``scope: templates`` packs only (see template_subject):
# ``intent.NAME`` — the template declares the intent NAME; ``reported.CATEGORY`` — a rule of
# that category of the configured packs reported on one of the template's rendered samples.
TEMPLATE_SCOPES = ("intent", "reported")


def _voice_is(voice: str) -> Callable[[Context], bool]:
    return lambda c: c.conv.brand.voice == voice


def _channel_is(channel: str) -> Callable[[Context], bool]:
    return lambda c: c.conv.channel == channel


BUILTIN_CONVERSATION: dict[str, tuple[Callable[[Context], bool], str]] = {
    "public": (lambda c: c.conv.channel != "line", "the reply is seen publicly (every channel but LINE)"),
    **{
        f"voice_{v}": (_voice_is(v), f"the brand's chosen voice is {v} (brand.voice)")
        for v in ("formal", "friendly", "playful")
    },
    **{
        f"channel_{ch}": (_channel_is(ch), f"the channel is {ch}")
        for ch in ("x", "facebook", "instagram", "line", "youtube", "other")
    },
}


# A character normalising keeps as one visible character (ASCII, kana, kanji, 、。「」…: NFKC
# leaves them alone, and only zero-width characters are dropped): a text with one is not blank.
_VISIBLE = re.compile("[!-~\u3001\u3002\u3005-\u3011\u301c\u3041-\u3096\u30a1-\u30fe\u4e00-\u9fff]")


def _present_in(scope: str) -> Callable[[Context], bool]:
    """``SCOPE.present`` for the thread's and history's texts: whether one of them has text once
    normalised (what ``Doc.text.strip()`` says), read from the message when a visible character
    shows it at once. Asked in every check (the model weighs it too), it made a Doc of each
    earlier message that nothing else read (a thread text's Doc ~8 µs, and one more cached Doc
    dropped); a text with no such character still gets its Doc."""
    def present(ctx: Context) -> bool:
        for m in ctx.messages(scope):  # noqa: SIM110 (a loop, not a generator per evaluation)
            if _VISIBLE.search(m.text) or ctx.doc(m.text).text.strip():
                return True
        return False

    return present


# Builtin text facts whose answer depends on the conversation too (its brand), not on the text
# alone: they are not kept on the text's Doc (see FactTable.known_answers).
READS_CONVERSATION = frozenset({"mentions_brand", "brand_name", "personal_email"})

# The memo keys of a Doc's kept answers, per scope (see FactTable.known_answers).
_KNOWN_DRAFT = ("known-facts", "draft")
_KNOWN_POST = ("known-facts", "post")



def _kept(name: str, scope: str, test: Callable[[Doc], bool]) -> Callable[[Context], bool]:
    """A ``draft.X``/``post.X`` fact that depends on the text alone, recording each answer in
    the Doc's kept answers (:meth:`FactTable.known_answers`) as well as the check's."""
    if scope == "draft":
        def draft_fact(ctx: Context) -> bool:
            found = ctx.known_draft[name] = test(ctx.draft)
            return found

        return draft_fact

    def post_fact(ctx: Context) -> bool:
        found = ctx.known_post[name] = test(ctx.post)
        return found

    return post_fact


def _kept_reading(name: str, scope: str, test: DocTest) -> Callable[[Context], bool]:
    """:func:`_kept` for a builtin test (called with the context, which it does not read)."""
    if scope == "draft":
        def draft_fact(ctx: Context) -> bool:
            found = ctx.known_draft[name] = test(ctx.draft, ctx)
            return found

        return draft_fact

    def post_fact(ctx: Context) -> bool:
        found = ctx.known_post[name] = test(ctx.post, ctx)
        return found

    return post_fact


# Facts read from a text's sentence endings and registers: they need its tokens.
_REGISTER_FACTS = frozenset({"polite_ending", "plain_ending", "casual_ending", "no_polite", "plain_question"})


# Scopes of the customer's texts: a fact asked only of these has its patterns in a pattern set
# of their own (see packs.fact_groups), not in the set that scans the brand's drafts.
CUSTOMER_SCOPES = frozenset({"post", "thread", "history"})


@dataclass
class MatchFact:
    matcher: Matcher
    min: int
    customer: Matcher | None = None
    """The same matcher with its patterns in the ``customer`` pattern set, for the customer's
    texts (``post.X``); None when ``matcher`` is that one, or the fact is asked of no such text."""


class FactTable:
    """All facts known to a linter, each compiled into the test a :class:`Context` asks (see
    :meth:`function`; the context keeps the answers of one check)."""

    def __init__(self) -> None:
        self.matched: dict[str, MatchFact] = {}
        self.derived: dict[str, Node] = {}
        self.descriptions: dict[str, str] = {}
        self.compiled: dict[str, Callable[[Context], bool]] = {}
        """Fact name → its test, made on first use (:meth:`function`)."""
        self._set_answers: dict[str, SetAnswers] = {}  # scope → its facts a scan answers
        # scope → the memo key of a Doc's kept answers, made once: a key made per Doc is one more
        # object the collector tracks for as long as the Doc is cached (it holds this table)
        self._known_keys: dict[str, tuple[FactTable, tuple[str, str]]] = {}

    def __getstate__(self) -> dict:
        # closures and pattern sets do not pickle; they are rebuilt
        return {**self.__dict__, "compiled": {}, "_set_answers": {}, "_known_keys": {}}

    def copy(self) -> FactTable:
        """A table with the same facts, to which more may be added (template packs on top of
        the configured ones) without changing this one."""
        t = FactTable()
        t.matched, t.derived, t.descriptions = dict(self.matched), dict(self.derived), dict(self.descriptions)
        return t

    def known(self, name: str) -> bool:
        if "." in name:
            scope, fact = name.split(".", 1)
            if scope in TEMPLATE_SCOPES:
                return bool(fact)
            return scope in SCOPES and (fact in self.matched or fact in BUILTIN_SCOPED)
        return name in self.derived or name in BUILTIN_CONVERSATION

    def known_answers(self, doc: Doc, scope: str) -> dict[str, bool]:
        """The answers of this table's ``draft.X`` (or ``post.X``) facts that depend on the text
        alone, kept on ``doc``: a check whose draft or post was checked before starts with them
        known (one dict update) and asks none of them again (on dev+dev-hard four checks in five
        see their texts again). A text new to the table starts with the facts its pattern set's
        scan answers alone (:class:`~replyguard.set_answers.SetAnswers`); each other fact is
        added when a check first asks it."""
        key = self._known_keys.get(scope)
        if key is None:
            key = self._known_keys[scope] = (self, _KNOWN_DRAFT if scope == "draft" else _KNOWN_POST)
        found: dict[str, bool] | None = doc.memo.get(key)  # type: ignore[assignment]
        if found is None:
            found = doc.memo[key] = {}
            answers = self._set_answers.get(scope)
            if answers is None:
                answers = self._set_answers[scope] = self._scan_answered(scope)
            answers.fill(doc, found)
        return found

    def _scan_answered(self, scope: str) -> SetAnswers:
        """The ``draft.X``/``post.X`` facts one set scan answers, with the matcher each is asked
        with (as :meth:`_compile` picks it): those whose matcher is in the set that scans that
        kind of text anyway (``main`` for drafts, ``customer`` for posts; a post is not to be
        scanned by the drafts' set for facts no check asks of it)."""
        customer = scope in CUSTOMER_SCOPES
        group = "customer" if customer else "main"
        asked = ((name, mf.customer if customer and mf.customer is not None else mf.matcher, mf.min)
                 for name, mf in self.matched.items())
        return SetAnswers((f"{scope}.{name}", m, n) for name, m, n in asked if m.group == group)

    def function(self, name: str) -> Callable[[Context], bool]:
        """The compiled test of a fact (made on first use)."""
        fn = self.compiled.get(name)
        if fn is None:
            fn = self.compiled[name] = self._compile(name)
        return fn

    def _compile(self, name: str) -> Callable[[Context], bool]:
        """One closure per fact name, so a check does no name parsing or lookups per fact."""
        if "." in name:
            scope, fact = name.split(".", 1)
            if scope in TEMPLATE_SCOPES:  # a template's context holds these sets; a draft's has neither
                return lambda ctx: fact in getattr(ctx, scope, ())
            mf = self.matched.get(fact)
            if mf is not None:
                matcher = mf.customer if mf.customer is not None and scope in CUSTOMER_SCOPES else mf.matcher
                test = matcher.exists_test(mf.min)
                if scope in ("draft", "post"):
                    return _kept(name, scope, test)

                def any_doc(ctx: Context) -> bool:
                    for d in ctx.docs(scope):  # noqa: SIM110 (a loop, not a generator per evaluation)
                        if test(d):
                            return True
                    return False

                return any_doc
            if fact == "present" and scope not in ("draft", "post"):
                return _present_in(scope)
            doc_test = BUILTIN_SCOPED[fact][0]
            if scope in ("draft", "post"):
                if fact in READS_CONVERSATION:
                    return (lambda ctx: doc_test(ctx.draft, ctx)) if scope == "draft" else \
                        (lambda ctx: doc_test(ctx.post, ctx))
                return _kept_reading(name, scope, doc_test)

            def any_text(ctx: Context) -> bool:
                for d in ctx.docs(scope):  # noqa: SIM110 (a loop, not a generator per evaluation)
                    if doc_test(d, ctx):
                        return True
                return False

            return any_text
        node = self.derived.get(name)
        if node is not None:
            when = self.cheap_first(node).compiled()
            return lambda ctx: when(ctx.fact)
        return BUILTIN_CONVERSATION[name][0]

    def cost(self, name: str) -> int:
        """A rough rank of what evaluating a fact may cost in a check, for :meth:`cheap_first`:
        the conversation's own settings, then text tests of the draft or post, then the draft's
        matches and registers (every check analyses its draft), the post's matches without
        tokens, the other texts', and last what may tokenise a text nothing else needs. A derived
        fact ranks as the dearest fact it names."""
        if "." not in name:
            node = self.derived.get(name)
            if node is None:
                return 0
            return max((self.cost(f) for f in node.facts()), default=0)
        scope, fact = name.split(".", 1)
        if scope in TEMPLATE_SCOPES:
            return 0
        mf = self.matched.get(fact)
        tokens = fact in _REGISTER_FACTS if mf is None else mf.matcher.needs_tokens
        if scope == "draft":
            return 1 if mf is None and not tokens else 2
        if scope == "post":
            return 1 if mf is None and not tokens else (5 if tokens else 3)
        return 6 if tokens else 4

    def cheap_first(self, node: Node) -> Node:
        """``node`` with the operands of each ``and``/``or`` ordered by :meth:`cost`, cheapest
        first (stable: equal ranks keep the pack's order). Facts are pure, so the value is the
        same; what changes is which facts short-circuiting leaves unevaluated — a post fact
        that would tokenise the post is no longer asked before the draft fact that decides."""
        if node.op == "not":
            return Node("not", (self.cheap_first(node.args[0]),))
        if node.op not in ("and", "or"):
            return node
        args = [self.cheap_first(a) for a in node.args]
        ranked = sorted(args, key=lambda a: max((self.cost(f) for f in a.facts()), default=0))
        return Node(node.op, tuple(ranked))

    def draft_spans(self, name: str, ctx: Context) -> list[Span]:
        """Where a ``draft.X`` fact matched in the draft (for placing a finding's span)."""
        scope, _, fact = name.partition(".")
        mf = self.matched.get(fact)
        if scope != "draft" or mf is None:
            return []
        return mf.matcher.find(ctx.draft)
