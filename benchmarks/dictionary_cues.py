"""What UniDic says a token can be written as: for cues (strings a text must hold to be tokenised).

    .venv/bin/python benchmarks/dictionary_cues.py            # both reports below
    .venv/bin/python benchmarks/dictionary_cues.py --gaps 0   # every word's surfaces outside its cues

A cue is only safe if every token it stands for contains it, and which surfaces a token can
have is in the dictionary: this reads every entry of unidic-lite's ``sys.dic`` and ``unk.dic``
(MeCab's compiled format; needs numpy) and prints

* the surfaces of every entry that :func:`replyguard.lemma_match.negated` takes for a negation
  (what a "the text holds a negation" cue would have to cover);
* for each word of the packs' lemma lists, the surfaces of the entries it matches (its lemma
  before any ``-``, its written base form or its surface is the word) that hold none of the
  word's cues (:func:`replyguard.cues.word_cues`): texts the cue filter would not tokenise for
  that word alone although the word is there.

Unknown words (``unk.dic``) get their surface as lemma and written form, so they match a word
only when written as the word itself, which is always one of its cues.
"""

from __future__ import annotations

import argparse
import collections
import struct
from pathlib import Path

import unidic_lite

from replyguard import Linter
from replyguard.cues import word_cues
from replyguard.lemma_match import LemmaMatcher, _base
from replyguard.tokens import _features

_MAGIC = 0xEF718F77
_NEGATION_CTYPES = ("助動詞-ナイ", "助動詞-ヌ")
_NEGATION_LEMMAS = ("ない", "無い", "ぬ", "ず", "ん")  # lemma_match._NEGATIONS


def entries(path: Path) -> list[tuple[str, str]]:
    """(surface, raw features) of every token of a compiled MeCab dictionary, each once.

    The format: ten 32-bit header words and the charset, a double array (units of base and
    check), the token table (16 bytes a token; its feature offset at byte 8) and NUL-ended
    feature strings. A key ends at a unit holding ``-(first token << 8 | count) - 1``; its bytes
    are read walking up to the root (a child sits at ``base + byte + 1`` of its parent, whose
    base is the child's ``check``).
    """
    import numpy as np

    data = path.read_bytes()
    magic, _, _, _, _, _, dsize, tsize, fsize, _ = struct.unpack_from("<10I", data, 0)
    if magic ^ _MAGIC != len(data):
        raise ValueError(f"{path} is not a MeCab dictionary")
    charset = data[40:72].split(b"\0")[0].decode()
    units = np.frombuffer(data, dtype=np.dtype([("base", "<i4"), ("check", "<u4")]), count=dsize // 8, offset=72)
    feature_at = np.frombuffer(data, dtype="<u4", count=tsize // 4, offset=72 + dsize)[2::4]
    features = data[72 + dsize + tsize:72 + dsize + tsize + fsize]
    base, check = units["base"].astype(np.int64), units["check"].astype(np.int64)
    index = np.arange(len(units), dtype=np.int64)
    byte = index - check - 1
    edges = (index != check) & (base > 0) & (byte >= 0) & (byte <= 255)
    parent = {child: (b, p - b - 1) for p, b, child in
              zip(index[edges].tolist(), check[edges].tolist(), base[edges].tolist(), strict=True)}
    root = int(base[0])
    out: list[tuple[str, str]] = []
    for leaf in index[(index == check) & (base < 0)].tolist():
        key, node = bytearray(), leaf
        while node != root:
            node, c = parent[node]
            key.append(c)
        surface = bytes(reversed(key)).decode(charset)
        value = -int(base[leaf]) - 1
        for t in range(value >> 8, (value >> 8) + (value & 0xFF)):
            start = int(feature_at[t])
            out.append((surface, features[start:features.index(b"\0", start)].decode(charset)))
    if len(out) != tsize // 16:
        raise ValueError(f"{len(out)} of {tsize // 16} tokens reached")
    return out


def names(surface: str, raw: str) -> tuple[str, str, str, str, str]:
    """(lemma before any ``-``, written base form, surface, part of speech, conjugation type) as
    :mod:`replyguard.tokens` reads them (a missing lemma or base form is the surface)."""
    lemma, pos1, _, ctype, _, orth_base = _features(raw)
    return _base(surface if lemma is None else lemma), orth_base or surface, surface, pos1, ctype


def is_negation(surface: str, raw: str) -> bool:
    """lemma_match.negated's test of one token."""
    lemma, _, _, pos1, ctype = names(surface, raw)
    return ctype in _NEGATION_CTYPES or (pos1 in ("形容詞", "助動詞") and lemma in _NEGATION_LEMMAS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gaps", type=int, default=8, help="surfaces shown per word (0: all)")
    args = ap.parse_args()
    dic = Path(unidic_lite.DICDIR)
    known, unknown = entries(dic / "sys.dic"), entries(dic / "unk.dic")
    neg = collections.Counter(s for s, raw in known if is_negation(s, raw))
    print(f"negations: {sum(neg.values())} of {len(known)} entries, {len(neg)} surfaces; "
          f"unknown-word entries that are: {sum(is_negation(s, raw) for s, raw in unknown)} of {len(unknown)}")
    print("  " + " ".join(sorted(neg, key=lambda s: (len(s), s))))
    import gc
    Linter()
    words = {w for o in gc.get_objects() if isinstance(o, LemmaMatcher) for w in (*o.words, *o.negated_words)}
    surfaces: dict[str, set[str]] = collections.defaultdict(set)
    for s, raw in known:
        for name in names(s, raw)[:3]:
            if name in words:
                surfaces[name].add(s)
    gaps = {w: sorted(s for s in surfaces[w] if not any(c in s for c in word_cues(w))) for w in words}
    gaps = {w: g for w, g in gaps.items() if g}
    print(f"lemma-list words: {len(words)}; with dictionary surfaces outside their cues: {len(gaps)}")
    for w, g in sorted(gaps.items(), key=lambda x: (-len(x[1]), x[0])):
        print(f"  {w} {len(g)}: {' '.join(g[:args.gaps] if args.gaps else g)}")


if __name__ == "__main__":
    main()
