"""The finding categories of ``docs/categories.md``: the contract of every finding."""

from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "off_topic_template": "generic stock text that does not engage with what the post is about",
    "copy_paste_apology": "boilerplate apology that does not fit, or repeats one already sent",
    "form_deflection": "sends to a form or call centre instead of answering an answerable question",
    "move_to_dm": "handles an individual case (order, account, refund, employee) in public",
    "pii_public": "contains personal data, or asks the customer to post it publicly",
    "overfamiliar": "slang, casual speech or heavy emoji without rapport, or to a serious complaint",
    "too_formal": "stiff formal boilerplate in reply to a light, casual post",
    "unwanted_contact": "contacts someone who refused contact or spoke privately, not to the brand",
    "unanswered_mention": "leaves a direct question to the brand in the thread unanswered",
    "slow_response": "sent later than the response-time target after the post",
    "already_answered": "duplicates a reply another brand account already posted",
    "tone_mismatch": "wrong emotional direction (apologising for praise, cheering a complaint)",
    "vague_not_clarified": "answers a vague post without asking what was wrong or giving concrete help",
    "promotional": "pushes a sale or campaign in support, or over-promises",
    "brush_off": "dismisses the issue without explanation or alternative, or blames the customer",
    "stealth_marketing": "asks for a positive review, share or rating, especially for an incentive",
    "keigo_error": "misused honorifics: double keigo, part-timer keigo, humble/respectful mix-ups, ら抜き",
    "mixed_register": "mixes polite (です/ます) and plain (だ/である) sentence endings",
    "too_long": "exceeds the channel's length limit",
}
