"""Rule examples as conversations: the ``examples:`` of a rule run as tests, explain output
and docs, so they must all turn an :class:`~replyguard.schema.Example` into the same
:class:`~replyguard.models.Conversation`.

The fixed frame of every example of a draft rule:

* brand ``サンプル`` (or the pack's ``examples_brand``) with handles ``sample_support`` and ``sample_official``;
* the post (author ``customer`` unless given, id ``post`` unless given) at
  ``2026-01-01T10:00+09:00``;
* the draft by ``sample_support``, ``example.minutes`` after the post (default 10);
* thread messages at the post + their ``minutes`` (default 1 minute after the post);
* history messages at the post + their ``minutes`` (usually negative); by default the
  history is spread over the days before the post, one day apart, oldest first.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import yaml

from .models import Brand, Conversation, Message
from .schema import Example, ExampleMessage, TemplateExample

EXAMPLE_BRAND = Brand(name="サンプル", handles=("sample_support", "sample_official"))
EXAMPLE_POST_TIME = datetime(2026, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=9)))
EXAMPLE_POST_ID = "post"
DEFAULT_DRAFT_MINUTES = 10.0
DEFAULT_THREAD_MINUTES = 1.0


def _message(m: ExampleMessage, when: datetime) -> Message:
    return Message(author=m.author, text=m.text, id=m.id, in_reply_to=m.in_reply_to, created_at=when)


def example_conversation(example: Example, *, id: str = "", brand_name: str | None = None) -> Conversation:
    """The conversation an example stands for (see the module docstring for the frame).

    ``brand_name`` is the pack's ``examples_brand``: the brand its examples talk about, so
    that the brand's own name is not mistaken for the topic of a post.
    """
    t0 = EXAMPLE_POST_TIME
    if isinstance(example.post, str):
        post = Message(author="customer", text=example.post, id=EXAMPLE_POST_ID, created_at=t0)
    else:
        p = example.post
        post = Message(author=p.author, text=p.text, id=p.id or EXAMPLE_POST_ID,
                       in_reply_to=p.in_reply_to, created_at=t0)
    thread = tuple(
        _message(m, t0 + timedelta(minutes=m.minutes if m.minutes is not None else DEFAULT_THREAD_MINUTES))
        for m in example.thread
    )
    n = len(example.history)
    history = tuple(
        _message(m, t0 + (timedelta(minutes=m.minutes) if m.minutes is not None
                          else timedelta(days=-(n - i))))
        for i, m in enumerate(example.history)
    )
    minutes = example.minutes if example.minutes is not None else DEFAULT_DRAFT_MINUTES
    draft = Message(author=EXAMPLE_BRAND.handles[0], text=example.draft, in_reply_to=example.reply_to or post.id,
                    created_at=t0 + timedelta(minutes=minutes))
    brand = EXAMPLE_BRAND if brand_name is None else Brand(name=brand_name, handles=EXAMPLE_BRAND.handles)
    return Conversation(id=id, channel=example.channel, brand=brand, post=post,
                        thread=thread, history=history, draft=draft)


def template_example_file(example: TemplateExample, *, brand_name: str | None = None) -> str:
    """A template repository file for an example of a ``scope: templates`` rule: its
    ``earlier`` entries, then the example's own entry (the last one); the brand as above."""
    entries: list[dict[str, Any]] = [e.model_dump(exclude={"earlier", "note"}) for e in [*example.earlier, example]]
    brand = {"name": brand_name or EXAMPLE_BRAND.name, "handles": list(EXAMPLE_BRAND.handles)}
    data = {"brand": brand, "templates": entries}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
