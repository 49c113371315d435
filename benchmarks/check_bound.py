"""The time bound of one check (issue 14 item 7): the slowest warm ``Linter.check`` with the
built-in packs over hostile and ordinary drafts of up to 20,000 characters.

    .venv/bin/python benchmarks/check_bound.py            # every family at 2,000 and 20,000 chars
    .venv/bin/python benchmarks/check_bound.py --repeat 5

Each family repeats one piece up to the length (the shapes that once made patterns slow:
e-mail-like runs ending in ``@``, digits and separators, emoji with ZWJ, combining marks,
half-width kana, URLs, ordinary Japanese support replies). It prints the best-of-``repeat``
time per family and length, and the slowest of all: the bound the tests' property checks
(tests/regressions/test_regress_properties.py) stay under. Not a test: no assertion on time.
"""

from __future__ import annotations

import argparse
import time

from replyguard import Config, Linter
from replyguard.doc import doc_for
from replyguard.models import Brand, Conversation, Message
from replyguard.tokens import clear_sentence_cache

FAMILIES = {
    "email-at": "a.b-c_d" * 3 + "@",
    "email-like": "tanaka.k@example.co.jp ",
    "digits": "０９０-１２３４-５６７８ 4111 1111 1111 1111 ",
    "url": "https://example.com/help?q=%E3%81%82&x=1 ",
    "zwj-emoji": "👩\u200d👩\u200d👧👍🏽🇯🇵",
    "combining": "e\u0301か\u3099ｶ\uff9e",
    "halfwidth-kana": "ｺﾞ覧ﾆﾅﾗﾚﾏｼﾀｶ？",
    "reply": "ご不便をおかけしております。ご覧になられましたか？仕様です。DMにてお知らせください。",
    "mentions": "@midori_support @customer_1 ",
    "no-breaks": "あ" * 50,
}


def conversation(draft: str) -> Conversation:
    return Conversation(channel="x", brand=Brand(name="ミドリ電機", handles=("midori_support",)),
                        post=Message(author="customer", text="注文した商品がまだ届かないんだけど？"),
                        draft=Message(author="midori_support", text=draft))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--lengths", default="2000,20000")
    args = p.parse_args()
    linter = Linter(Config())
    linter.check(conversation("ウォームアップです。"))
    worst = (0.0, "")
    for length in (int(x) for x in args.lengths.split(",")):
        for name, piece in FAMILIES.items():
            draft = (piece * (length // len(piece) + 1))[:length]
            best = float("inf")
            for _ in range(args.repeat):
                doc_for.cache_clear()  # a new draft each time, as in the server
                clear_sentence_cache()
                t0 = time.perf_counter()
                linter.check(conversation(draft))
                best = min(best, time.perf_counter() - t0)
            print(f"{name:15} {length:6,} chars  {best * 1000:8.1f} ms", flush=True)
            worst = max(worst, (best, f"{name} at {length:,} chars"))
    print(f"slowest: {worst[1]}, {worst[0] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
