"""Helpers of the server tests: an inline pack with templates (the shipped packs change
while they are written) and a real uvicorn server on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from replyguard import Config, Linter
from replyguard.packs import builtin_rules_dir, load_pack_file

DEMO_PACK = """\
pack: hooktest
description: rules and templates for the server tests
facts:
  praise:
    match:
      phrases: [最高, うれしい, ありがとう]
rules:
  - id: phone-in-public
    category: pii_public
    severity: error
    message: 公開の返信に電話番号（{kind}）があります。DMで扱ってください
    description: a phone number in a public reply
    when: public
    kind: pii
    detect: [phone]
    suggest: [dm-handoff]
    examples:
      fail:
        - post: 届かない
          draft: 090-1234-5678 までお電話ください。
  - id: brush-off
    category: brush_off
    severity: warning
    message: 「仕様です」だけでは突き放した印象になります
    kind: pattern
    match:
      phrases: [仕様です]
  - id: ranuki
    category: keigo_error
    severity: warning
    message: 「{match}」は「{replacement}」です
    kind: substitution
    swaps:
      - phrase: 見れます
        replacement: 見られます
        safe: true
templates:
  - id: dm-handoff
    text: "{{ customer }}様、ご不便をおかけしております。詳しい状況をDMでお知らせください。{{ dm_link }}"
  - id: thanks
    for: post.praise
    text: "{{ customer }}様、うれしいお言葉をありがとうございます！{{ brand }}一同励みになります。"
"""

DM_LINK = "https://example.com/dm"


def demo_linter(tmp_path: Path, *, privacy: bool = False, **config) -> Linter:
    """A linter over the inline test pack (and the shipped privacy pack when asked)."""
    path = tmp_path / "hooktest.yaml"
    path.write_text(DEMO_PACK, encoding="utf-8")
    packs = [load_pack_file(path)]
    if privacy:
        packs.insert(0, load_pack_file(builtin_rules_dir() / "privacy.yaml"))
    cfg = Config(variables={"dm_link": DM_LINK}, **config)
    return Linter(cfg, packs=packs)


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class ServerThread:
    """``create_app(linter)`` under a real uvicorn server in a background thread."""

    def __init__(self, app, **uvicorn_options):
        import uvicorn

        self.sock = free_socket()
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, **uvicorn_options))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
