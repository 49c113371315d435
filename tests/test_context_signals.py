"""Masking, the brand's own contact points, brand voice and thread order (issue 11)."""

from __future__ import annotations

import pytest

from replyguard import Linter
from replyguard.config import Config
from replyguard.doc import MASK, Doc, at_addresses
from replyguard.models import Conversation


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter()


def conv(draft: str, post: str = "質問です", **extra) -> Conversation:
    data = {"brand": {"name": "ミドリ", "handles": ["midori_cs"]},
            "post": {"author": "hanako", "text": post, **extra.pop("post_fields", {})},
            "draft": {"author": "midori_cs", "text": draft, **extra.pop("draft_fields", {})}, **extra}
    if "brand" in extra:
        data["brand"] = {**{"handles": ["midori_cs"]}, **extra["brand"]}
    return Conversation.model_validate(data)


def categories(linter: Linter, c: Conversation) -> set[str]:
    return {f.category for f in linter.check(c).findings}


# -- masking --------------------------------------------------------------------------
@pytest.mark.parametrize("text, masked_part", [
    ("詳しくは https://www.example.jp/a をご覧ください", "https://www.example.jp/a"),
    ("www.example.co.jp/help をご覧ください", "www.example.co.jp/help"),
    ("support@example.jp までどうぞ", "support@example.jp"),
])
def test_urls_and_addresses_are_masked_with_offsets_kept(text: str, masked_part: str) -> None:
    d = Doc(text)
    a = text.index(masked_part)
    assert len(d.masked) == len(d.text)
    assert set(d.masked[a:a + len(masked_part)]) == {MASK}
    assert d.masked[a + len(masked_part):] == d.text[a + len(masked_part):]


def test_handles_and_hashtags_keep_their_marker() -> None:
    d = Doc("@hanako_t ありがとう #ミドリ愛用中 をつけて")
    assert d.masked.startswith("@" + MASK * len("hanako_t"))
    assert "#" + MASK * len("ミドリ愛用中") in d.masked


def test_address_scan_is_linear_on_hostile_input() -> None:
    # many '@' and address characters: each character is looked at a bounded number of times
    text = "a" * 20_000 + "@"
    assert at_addresses(text) == []
    assert at_addresses("x@" * 5_000) == []  # no dot, no handle start: nothing, and it ends
    assert len(at_addresses("a@b.jp " * 2_000)) == 2_000


def test_full_width_url_is_masked_after_normalisation() -> None:
    d = Doc("ｗｗｗ．ｅｘａｍｐｌｅ．ｊｐ を見て")  # NFKC folds it to www.example.jp
    assert d.masked.startswith(MASK * len("www.example.jp"))


def test_www_in_a_host_name_is_not_laughter(linter: Linter) -> None:
    draft = "遅延証明書はこちらで発行できます。https://www.rail.example.jp/delay/ 駅の改札でもお渡ししています。"
    assert "overfamiliar" not in categories(linter, conv(draft, "遅延証明ってどこでもらえる？"))
    assert "overfamiliar" in categories(linter, conv("こちらで発行できますwww", "遅延証明ってどこでもらえる？"))


# -- the brand's own contact points ---------------------------------------------------
def test_brand_contacts_are_not_personal_data(linter: Linter) -> None:
    draft = "お問い合わせは help@midori.example.jp または 03-1234-5678 までお願いいたします。"
    assert "pii_public" in categories(linter, conv(draft))
    own = conv(draft, brand={"contacts": ["@midori.example.jp", "03-1234-5678"]})
    assert "pii_public" not in categories(linter, own)


def test_a_persons_address_next_to_brand_contacts_is_still_flagged(linter: Linter) -> None:
    draft = "担当の携帯 090-1234-5678 か 03-1234-5678 までお電話ください。"
    own = conv(draft, brand={"contacts": ["03-1234-5678"]})
    assert "pii_public" in categories(linter, own)


def test_brand_contacts_from_config() -> None:
    linter = Linter(Config(brand_contacts=["@midori.example.jp"]))
    assert "pii_public" not in categories(linter, conv("詳しくは tanaka@midori.example.jp までメールください。"))


def test_role_mailbox_and_shop_address_pass(linter: Linter) -> None:
    assert "pii_public" not in categories(linter, conv("support@other.example.jp 宛のメールでも承ります。"))
    shop = "新店舗は〒321-0987 みなみ市北町5-1 にオープンします。"
    assert "pii_public" not in categories(linter, conv(shop))
    home = "〒321-0987 みなみ市北町5-1 のお宅に誤ってお届けしておりました。"
    assert "pii_public" in categories(linter, conv(home))


# -- brand voice ----------------------------------------------------------------------
def test_voice_is_a_fact_and_config_fills_it_in() -> None:
    from replyguard.context import Context

    linter = Linter(Config(brand_voice="playful"))
    c = linter._prepare(conv("はい"))
    ctx = Context(c, linter.packset.facts, linter.settings, linter.analyser)
    assert ctx.fact("voice_playful") and not ctx.fact("voice_formal")
    explicit = linter._prepare(conv("はい", brand={"voice": "formal"}))
    assert explicit.brand.voice == "formal"  # the case's own setting wins over the config


# -- thread order ---------------------------------------------------------------------
def test_brand_message_before_the_post_is_not_an_answer(linter: Linter) -> None:
    base = {"post_fields": {"created_at": "2026-11-20T10:00:00+09:00"},
            "draft_fields": {"created_at": "2026-11-20T10:10:00+09:00"}}
    before = conv("はい、全店舗に駐車場がございます。", "駐車場ありますか？", **base,
                  thread=[{"author": "midori_cs", "text": "全店舗に無料駐車場がございます！",
                           "created_at": "2026-11-20T09:00:00+09:00"}])
    after = conv("はい、全店舗に駐車場がございます。", "駐車場ありますか？", **base,
                 thread=[{"author": "midori_cs", "text": "全店舗に無料駐車場がございます！",
                          "created_at": "2026-11-20T10:05:00+09:00"}])
    assert "already_answered" not in categories(linter, before)
    assert "already_answered" in categories(linter, after)


# -- one customer's details while handling their case -----------------------------------
def test_personal_email_fact_ignores_the_brands_contacts(linter: Linter) -> None:
    from replyguard.context import Context

    def fact(c: Conversation) -> bool:
        return Context(c, linter.packset.facts, linter.settings, linter.analyser).fact("draft.personal_email")

    draft = "k.suzuki88@mailbox.example.com 宛に再送しました。お問い合わせは help@midori.example.jp へ。"
    assert fact(conv(draft, brand={"contacts": ["@midori.example.jp"]}))
    assert not fact(conv("お問い合わせは help@midori.example.jp へ。", brand={"contacts": ["@midori.example.jp"]}))


@pytest.mark.parametrize("draft", [
    "ご登録のメールアドレス（k.suzuki88@mailbox.example.com）宛に、本日あらためて送信いたしました。",
    "東京都杉並区阿佐谷南3-14-2 のご登録住所へ、本日再発送いたします。",
])
def test_writing_out_the_customers_details_for_their_order_is_handling_it_in_public(linter: Linter, draft: str) -> None:
    found = categories(linter, conv(draft, "注文した商品がまだ届かない"))
    assert {"pii_public", "move_to_dm"} <= found
