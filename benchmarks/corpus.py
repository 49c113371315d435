"""A reproducible benchmark corpus: N conversations in the ``shared/spec/cases.md`` format.

Every text is put together from invented fragments (complaints, questions, praise, vague posts,
private remarks; good and bad drafts; threads with other customers, @mentions and replies from
other brand accounts; histories). Customers come from a fixed pool and keep their history, so
the same history texts recur across cases as they do for real regulars. The same seed always
gives the same corpus.

    python benchmarks/corpus.py --cases 5000 --seed 1 -o /tmp/cases.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))

BRANDS = [
    {"name": "ハルカゼ食品", "handles": ["harukaze_cs", "harukaze_jp"],
     "products": ["冷凍ぎょうざ", "レトルトカレー", "カップスープ", "お徳用ふりかけ", "玄米フレーク"],
     "topics": ["賞味期限", "アレルギー表示", "原材料", "販売店舗", "内容量"],
     "issues": ["袋が破れていた", "異物が入っていた", "味がいつもと違う", "賞味期限が切れていた",
                "中身が半分しか入っていなかった"]},
    {"name": "ツバメ通信", "handles": ["tsubame_help", "tsubame_mobile"],
     "products": ["ツバメWi-Fi", "格安SIM", "光回線", "モバイルルーター", "ツバメアプリ"],
     "topics": ["料金プラン", "解約手続き", "テザリング", "通信速度", "契約内容"],
     "issues": ["夜になると全然つながらない", "請求額が先月の倍になっている", "昨日から圏外のまま",
                "速度が極端に遅い", "ログインできなくなった"]},
    {"name": "こもれび化粧品", "handles": ["komorebi_care", "komorebi_cosme"],
     "products": ["クッションファンデ", "保湿クリーム", "日焼け止めミルク", "クレンジングオイル",
                  "リップバーム"],
     "topics": ["成分", "使用期限", "色味", "詰め替え", "敏感肌への使用"],
     "issues": ["肌が赤くなった", "ポンプが押せなくなった", "色が写真と全然違う", "容器から漏れていた",
                "香りが変わった気がする"]},
    {"name": "ナギサ家具", "handles": ["nagisa_support", "nagisa_kagu"],
     "products": ["ワークデスク", "ソファベッド", "収納ラック", "ダイニングチェア", "ベッドフレーム"],
     "topics": ["組み立て方", "配送日", "保証期間", "サイズ", "引き取りサービス"],
     "issues": ["ネジが足りない", "脚がぐらつく", "届いた天板に傷があった", "配送日を過ぎても届かない",
                "説明書の図が間違っている"]},
    {"name": "まるいちカフェ", "handles": ["maruichi_cafe", "maruichi_info"],
     "products": ["季節のパフェ", "モバイルオーダー", "ポイントカード", "テイクアウト", "ドリップバッグ"],
     "topics": ["営業時間", "ポイントの有効期限", "予約", "メニュー", "店舗の場所"],
     "issues": ["注文と違う商品が出てきた", "アプリのポイントが消えた", "店員さんの態度が悪かった",
                "モバイルオーダーが反映されない", "一時間待たされた"]},
    {"name": "ホシゾラ鉄道", "handles": ["hoshizora_rail", "hoshizora_info"],
     "products": ["定期券", "ICカード", "特急券", "回数券", "駅のコインロッカー"],
     "topics": ["払い戻し", "時刻表", "遅延証明書", "乗り換え", "忘れ物"],
     "issues": ["また遅延してる", "券売機が故障していた", "アナウンスが聞き取れない",
                "改札でICカードが反応しない", "車内が暑すぎる"]},
]

CHANNELS = ["x"] * 6 + ["instagram", "instagram", "facebook", "line", "youtube", "other"]

NAMES_A = ["sora", "mochi", "hana", "kuma", "yuzu", "tomo", "riku", "mint", "nao", "kei", "aoi", "taro",
           "momo", "shiro", "kiko", "ren", "haru", "natsu", "fuyu", "aki"]
NAMES_B = ["_chan", "_88", "_daily", "_log", "_jp", "0921", "_mama", "_papa", "_kun", "_tw", "_x", "_neko"]

EMOJI = ["😭", "😡", "😊", "🙏", "✨", "💦", "👍", "🥺", "😂", "🎉"]

# -- post fragments ------------------------------------------------------------------------
COMPLAINTS = [
    "{product}、{issue}。{vent}",
    "{brand}の{product}{issue}んだけど{vent}",
    "買ったばかりの{product}が{issue}。どうなってるの？",
    "{product}{issue}し、問い合わせても返事ないし最悪{emoji}",
    "え、{product}{issue}。{vent}",
    "もう三回目なんだけど、{product}{issue}。{vent}",
]
VENTS = ["ありえない", "さすがにひどい", "がっかりした", "もう使わない", "返金してほしい", "どうにかして",
         "意味わからん", "ほんとに困ってます", "二度と買わない", "楽しみにしてたのに"]
QUESTIONS = [
    "{product}の{topic}ってどこで確認できますか？",
    "{product}って{topic}どうなってるんだろう",
    "{brand}さん、{product}の{topic}について教えてください",
    "{product}の{topic}が知りたいです。公式サイト見てもわからなかった",
    "{topic}って変更できるのかな？{product}使ってる人いる？",
    "すみません、{product}は{topic}の確認ってアプリからできますか？",
]
PRAISE = [
    "{brand}の{product}最高！{emoji}",
    "{product}買ってよかった。毎日使ってます{emoji}",
    "{product}、思ってたよりずっと良い。リピ決定",
    "今日の{product}めちゃくちゃ当たりだった{emoji}",
    "{brand}さんの対応が丁寧で感動した。{product}も気に入ってます",
]
VAGUE = [
    "{product}なんか微妙…",
    "{product}使いにくい",
    "うーん、{product}よくわからない",
    "{brand}の{product}、前の方がよかったな",
    "{product}ちょっとイマイチかも",
]
PRIVATE = [
    "最近体調崩してて何もできない。{product}も開けてないや",
    "祖母が亡くなって、しばらく何も手につかない",
    "仕事やめたい。{product}だけが癒やし",
    "友達と{product}の話してた。今日は疲れたから早く寝る",
]
NO_CONTACT = [
    "{product}の件、もう公式からのリプとかいらないです。",
    "前にも言ったけど企業アカウントから絡まれるの苦手なのでそっとしておいてください",
]

# -- thread fragments ----------------------------------------------------------------------
THREAD_CUSTOMER = [
    "わかる、うちも同じ症状",
    "私も{issue}。同じ人いてよかった",
    "@{handle} これいつ直りますか？",
    "@{handle} {topic}についても教えてほしいです",
    "それ設定から直せたよ",
    "自分のところは大丈夫だったけどな",
    "@{handle} 問い合わせたけど返信まだです",
]
THREAD_BRAND = [
    "ご不便をおかけしております。詳しい状況をDMでお伺いできますでしょうか。",
    "ご連絡ありがとうございます。担当部署で確認しております。",
    "お困りのところ申し訳ございません。{topic}については公式サイトのよくある質問に掲載しております。",
    "いつもご利用ありがとうございます！お気に入りいただけて嬉しいです。",
]

# -- history fragments ---------------------------------------------------------------------
HISTORY_CUSTOMER = [
    "{product}いつも使ってます",
    "{product}の{topic}について質問したいです",
    "前回の件、対応ありがとうございました",
    "{brand}さんの新商品気になる",
    "{product}{issue}。何とかしてください",
    "DMとかは送らないでください。自分で調べます",
    "{product}、今日も使ってます",
]
HISTORY_BRAND = [
    "いつもご利用いただきありがとうございます。",
    "ご不便をおかけして申し訳ございません。お手数ですがお問い合わせフォームよりご連絡ください。",
    "嬉しいお言葉ありがとうございます！スタッフ一同励みになります。",
    "{topic}についてはアプリのメニューからご確認いただけます。",
]

# -- draft fragments -----------------------------------------------------------------------
GOOD_DRAFTS = {
    "complaint": [
        "ご不便をおかけして申し訳ございません。{product}の件、状況を詳しくお伺いしたいため、DMにてご連絡いただけますでしょうか。",
        "ご迷惑をおかけしております。お手数ですが、ご購入時期とロット番号をDMでお知らせいただけますか。交換の手配をいたします。",
        "ご指摘ありがとうございます。{product}について本日中に詳細をご案内いたします。",
    ],
    "question": [
        "{product}の{topic}は、公式サイトの商品ページ下部に記載しております。ご確認いただけますと幸いです。",
        "{topic}はアプリの「設定」から変更できます。うまくいかない場合はお知らせください。",
        "お問い合わせありがとうございます。{topic}は{product}のパッケージ裏面に記載がございます。",
    ],
    "praise": [
        "嬉しいお声をありがとうございます！{product}をこれからもお楽しみいただけますように。",
        "ありがとうございます✨ スタッフみんなで喜んでいます。",
    ],
    "vague": [
        "ご意見ありがとうございます。{product}のどのあたりが使いにくいと感じられたか、よろしければ教えていただけますか？",
        "ご感想ありがとうございます。気になった点を教えていただければ、改善の参考にさせていただきます。",
    ],
    "private": [
        "お待たせしております。{topic}の件、担当より個別にご案内いたしますので、DMをご確認ください。",
    ],
}
BAD_DRAFTS = [
    # brush-off
    "仕様です。ご理解ください。",
    "規約ですので対応いたしかねます。",
    # form deflection
    "お問い合わせフォームよりご連絡ください。",
    "詳しくはカスタマーセンターまでお電話ください。",
    # copy-paste apology
    "ご不便をおかけして申し訳ございません。お手数ですがお問い合わせフォームよりご連絡ください。",
    # keigo errors
    "{product}の{topic}でよろしかったでしょうか。",
    "おっしゃられる通り、{topic}はこちらになります。",
    "詳しい内容をお伺いさせていただきます。",
    "マイページから確認が見れるようになっています。",
    "資料を拝見してください。",
    # overfamiliar
    "それな！{product}マジで神ｗｗ",
    "わかるー{emoji}{emoji}{emoji} うちらも好き！",
    # too formal
    "平素より格別のご愛顧を賜り、誠にありがとうございます。何卒よろしくお願い申し上げます。",
    # promotional
    "今ならクーポンで{product}が20%オフ！この機会にぜひ購入を！",
    "絶対に直ります！新しい{product}もおすすめです。",
    # stealth marketing
    "レビューを書いてくださった方にクーポンをプレゼントしています！RTもお願いします",
    # pii
    "担当の携帯（090-{d4}-{d4b}）までお電話ください。",
    "ご注文番号 AB-2026{d4}-{d4b} の商品は本日発送いたしました。",
    "詳しくは担当 tanaka.{d4}@example.co.jp までメールください。",
    "コメント欄にお名前とご住所を書いてお知らせください。",
    # mixed register
    "ありがとうございます！{product}は来週入荷する予定だ。ぜひお試しください。",
    # tone mismatch
    "ご購入ありがとうございます{emoji} {issue}とのこと、楽しんでいただけたら嬉しいです！",
    # off topic
    "いつもご利用ありがとうございます。今後ともよろしくお願いいたします。",
]
OPENERS = ["@{customer} ", "{customer}様、", "{brand}公式です。", "お返事が遅くなりました。",
           "ご投稿拝見しました。", "こんにちは、{brand}サポートです。"]
CLOSERS = ["", "引き続きよろしくお願いいたします。", "今後ともよろしくお願いします。", "（担当：サトウ）",
           "（担当：イノウエ）", "またいつでもお声がけください。", "ご不明点があればお気軽にどうぞ。"]
POST_TAILS = ["{emoji}", "{emoji}{emoji}", "…", "ｗ", "。{n}日前に買ったばかりなのに", "（{n}回目）",
              " #拡散希望", "。誰か教えて", "。もう{n}時間待ってる"]
LONG_TAIL = ("なお、{topic}に関しましては、店舗やお客様のご契約内容によって異なる場合がございますので、"
             "お手数をおかけいたしますが、詳しい内容を確認させていただいたうえで改めてご案内いたします。")


def _handle(rng: random.Random) -> str:
    return rng.choice(NAMES_A) + rng.choice(NAMES_B) + str(rng.randint(1, 99))


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def _fill(rng: random.Random, template: str, brand: dict) -> str:
    return template.format(
        brand=brand["name"], product=rng.choice(brand["products"]), topic=rng.choice(brand["topics"]),
        issue=rng.choice(brand["issues"]),
        vent=rng.choice(VENTS), emoji=rng.choice(EMOJI), handle=rng.choice(brand["handles"]),
        d4=f"{rng.randint(0, 9999):04d}", d4b=f"{rng.randint(0, 9999):04d}",
    )


class _Customer:
    """A regular: fixed handle, favourite brand and a history that every case of theirs carries."""

    def __init__(self, rng: random.Random, start: datetime):
        self.handle = _handle(rng)
        self.brand = rng.choice(BRANDS)
        self.history: list[dict] = []
        t = start - timedelta(days=rng.randint(30, 400))
        for _ in range(rng.choice([0, 0, 1, 2, 2, 3, 4, 6])):
            t += timedelta(days=rng.randint(1, 40), minutes=rng.randint(0, 600))
            if rng.random() < 0.35:
                author = rng.choice(self.brand["handles"])
                text = _fill(rng, rng.choice(HISTORY_BRAND), self.brand)
            else:
                author = self.handle
                text = _fill(rng, rng.choice(HISTORY_CUSTOMER), self.brand)
            self.history.append({"author": author, "text": text, "created_at": _iso(t)})


POSTS = {"complaint": COMPLAINTS, "question": QUESTIONS, "praise": PRAISE, "vague": VAGUE,
         "private": PRIVATE + NO_CONTACT}


def _post_kind(rng: random.Random) -> str:
    r = rng.random()
    return ("complaint" if r < 0.35 else "question" if r < 0.6 else "praise" if r < 0.78
            else "vague" if r < 0.9 else "private")


def _post_text(rng: random.Random, brand: dict, kind: str) -> str:
    pool = POSTS[kind]
    text = _fill(rng, rng.choice(pool), brand)
    if rng.random() < 0.4:
        text += rng.choice(POST_TAILS).format(emoji=rng.choice(EMOJI), n=rng.randint(2, 14))
    if rng.random() < 0.15:
        text = f"@{rng.choice(brand['handles'])} " + text
    return text


def _draft_text(rng: random.Random, brand: dict, customer: str, kind: str) -> str:
    if rng.random() < 0.55:
        text = _fill(rng, rng.choice(GOOD_DRAFTS[kind]), brand)
    else:
        text = _fill(rng, rng.choice(BAD_DRAFTS), brand)
    if rng.random() < 0.5:
        text = rng.choice(OPENERS).format(customer=customer, brand=brand["name"]) + text
    if rng.random() < 0.4:
        text += rng.choice(CLOSERS)
    if rng.random() < 0.08:  # long replies: some exceed X's 280 weighted characters
        text += _fill(rng, LONG_TAIL, brand) * rng.randint(1, 2)
    if rng.random() < 0.05:
        text += " https://example.com/help/faq"
    return text


def generate(n: int, seed: int = 1) -> Iterator[dict]:
    """``n`` cases; the same ``(n, seed)`` always yields the same cases."""
    rng = random.Random(seed)
    start = datetime(2026, 6, 1, 9, 0, tzinfo=JST)
    customers = [_Customer(rng, start) for _ in range(max(8, n // 6))]
    # A few regulars write often (roughly Zipf): weight 1/rank.
    weights = [1.0 / (i + 1) for i in range(len(customers))]
    t = start
    for i in range(n):
        cust = rng.choices(customers, weights=weights)[0] if rng.random() < 0.5 else rng.choice(customers)
        brand = cust.brand
        kind = _post_kind(rng)
        t += timedelta(minutes=rng.randint(1, 30))
        post_time = t
        thread: list[dict] = []
        tt = post_time
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3])):
            tt += timedelta(minutes=rng.randint(1, 20))
            if rng.random() < 0.3:
                thread.append({"author": rng.choice(brand["handles"]),
                               "text": _fill(rng, rng.choice(THREAD_BRAND), brand), "created_at": _iso(tt)})
            else:
                text = _fill(rng, rng.choice(THREAD_CUSTOMER), brand)
                thread.append({"id": f"c{i}-{len(thread)}", "author": _handle(rng), "text": text,
                               "created_at": _iso(tt)})
        delay = rng.randint(3, 55) if rng.random() < 0.85 else rng.randint(61, 600)
        draft = {"author": brand["handles"][0], "text": _draft_text(rng, brand, cust.handle, kind),
                 "created_at": _iso(post_time + timedelta(minutes=delay))}
        yield {
            "id": f"bench-{i:06d}",
            "channel": rng.choice(CHANNELS),
            "brand": {"name": brand["name"], "handles": list(brand["handles"])},
            "post": {"id": f"p{i}", "author": cust.handle, "text": _post_text(rng, brand, kind),
                     "created_at": _iso(post_time)},
            "thread": thread,
            "history": cust.history,
            "draft": draft,
        }


def write_jsonl(path: str, n: int, seed: int = 1) -> None:
    out = sys.stdout if path == "-" else open(path, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for case in generate(n, seed):
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", default="-", help="JSONL file ('-' for stdout)")
    args = ap.parse_args(argv)
    write_jsonl(args.output, args.cases, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
