"""Train the confidence model (rules/confidence.json) from labelled conversations.

Usage (needs the ``train`` extra: scikit-learn)::

    python training/train_confidence.py                     # the default data, writes rules/confidence.json
    python training/train_confidence.py --out /tmp/m.json data/*.jsonl

The default data are the shared dev sets (../shared/eval/dev.jsonl, dev-hard.jsonl) and the
project's labelled sets in eval/train/ (written by people who had not read the packs). The
holdout (eval/holdout.jsonl) is never trained on: it stays a check of the result.

Each conversation is checked with the confidence model off; its features are the packs' facts
for the post and the draft, the rules and categories that reported, and the content words of
the draft (:func:`replyguard.confidence.conversation_features`; the post's too with
``--post-words``). Per category, an
L2-regularised logistic regression learns whether people labelled the draft with it; weights
smaller than ``--prune`` are dropped. Retrain after changing the packs: the features are their
facts and rules.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = [ROOT.parent / "shared/eval/dev.jsonl", ROOT.parent / "shared/eval/dev-hard.jsonl",
                *sorted((ROOT / "eval/train").glob("*.jsonl"))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="*", type=Path, help="labelled case files (JSON Lines, the case format)")
    ap.add_argument("--out", type=Path, default=ROOT / "rules/confidence.json")
    ap.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    ap.add_argument("--prune", type=float, default=0.05, help="drop weights with a smaller magnitude")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--post-words", action="store_true",
                    help="also P: features, the post's words, and the post facts that read its words "
                         "(the shipped model has neither: same scores, and they make a check tokenise the post)")
    ap.add_argument("--min-positives", type=int, default=3, help="categories with fewer labels get no model")
    args = ap.parse_args(argv)
    try:
        import numpy as np
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        print("train_confidence: needs scikit-learn (pip install -e '.[train]')", file=sys.stderr)
        return 2
    from replyguard import Config, Linter
    from replyguard.confidence import NEVER_RATED, conversation_features, fact_feature_names
    from replyguard.context import Context
    from replyguard.models import Conversation
    from replyguard.packs import builtin_rules_dir, fact_groups, load_pack_file

    files = args.data or [p for p in DEFAULT_DATA if p.is_file()]
    linter = Linter(Config(confidence=False))
    facts = linter.packset.facts
    packs = [load_pack_file(f) for f in sorted(builtin_rules_dir().glob("*.yaml"))]
    candidates = fact_feature_names(fact_groups(packs), facts.matched, facts.derived)
    if not args.post_words:  # nor the post facts that read its words (they tokenise the post too)
        worded = {f"post.{name}" for name, fact in facts.matched.items() if fact.matcher.needs_tokens}
        candidates = [c for c in candidates if c not in worded]
    rows: list[tuple[set[str], set[str]]] = []
    for path in files:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for line in lines:
            case = json.loads(line)
            report = linter.check(case)
            conv = linter._prepare(Conversation.model_validate(case))
            ctx = Context(conv, facts, linter.settings, linter.analyser)
            try:
                rows.append((conversation_features(ctx, report.findings, candidates, post_words=args.post_words),
                             set(case["expected"])))
            finally:
                ctx.close()
        print(f"{path}: {len(lines)} cases", file=sys.stderr)
    vec = DictVectorizer()
    x = vec.fit_transform([{f: 1 for f in feats} for feats, _ in rows])
    names = vec.get_feature_names_out()
    labels = Counter(c for _, exp in rows for c in exp)
    categories = {}
    for cat in sorted(labels):
        if labels[cat] < args.min_positives or cat in NEVER_RATED:
            continue
        y = np.array([cat in exp for _, exp in rows])
        model = LogisticRegression(C=args.C, max_iter=5000).fit(x, y)
        weights = {str(names[j]): round(float(w), 4) for j, w in enumerate(model.coef_[0]) if abs(w) > args.prune}
        categories[cat] = {"bias": round(float(model.intercept_[0]), 4), "weights": dict(sorted(weights.items()))}
    used_facts = sorted({f[2:] for m in categories.values() for f in m["weights"] if f.startswith("F:")})
    out = {
        "about": "replyguard confidence model: see src/replyguard/confidence.py and training/train_confidence.py",
        "trained_on": {"cases": len(rows), "files": [p.name for p in files], "labels": dict(sorted(labels.items()))},
        "threshold": args.threshold,
        "facts": used_facts,
        "rules": sorted(r.id for r in linter.rules),
        "categories": categories,
    }
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(categories)} categories, {sum(len(m['weights']) for m in categories.values())} "
          f"weights, {len(used_facts)} facts, from {len(rows)} cases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
