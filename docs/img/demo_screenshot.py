"""Regenerate docs/img/demo.png: the demo agent page with the shipped packs, after pressing
Send on the first sample (an error blocks it). Needs /usr/bin/chromium and a Japanese font.

    .venv/bin/python docs/img/demo_screenshot.py
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from replyguard import Linter, resolve_config
from replyguard.server import create_app

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
OUT = Path(__file__).resolve().parent / "demo.png"


def main() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Linter(resolve_config())), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="ja-JP",
                                    timezone_id="Asia/Tokyo", device_scale_factor=1)
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("body[data-ready='1']")
            page.wait_for_selector("#findings .finding")
            page.click("#send")
            page.wait_for_selector("#gate-block", state="visible")
            page.click("#override-open")
            page.mouse.move(0, 0)
            page.screenshot(path=str(OUT), full_page=True)
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    print(OUT)


if __name__ == "__main__":
    main()
