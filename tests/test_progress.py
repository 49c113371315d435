"""The batch progress line: drawn only on a terminal, silent otherwise."""

from __future__ import annotations

import io

from replyguard.progress import Progress, count_cases


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_tty_shows_count_rate_and_eta():
    stream, clock = FakeTTY(), Clock()
    p = Progress(total=1000, stream=stream, clock=clock, interval=0.0)
    clock.now += 2.0
    p.update(250)
    out = stream.getvalue()
    assert "250/1,000 cases" in out and "25.0%" in out
    assert "125 cases/s" in out and "ETA 0:06" in out
    p.close()
    assert stream.getvalue().endswith("\n")


def test_tty_without_total_shows_count_and_rate_only():
    stream, clock = FakeTTY(), Clock()
    with Progress(stream=stream, clock=clock, interval=0.0) as p:
        clock.now += 1.0
        p.update(40)
    out = stream.getvalue()
    assert "40 cases" in out and "40 cases/s" in out
    assert "ETA" not in out and "%" not in out


def test_redraws_are_rate_limited():
    stream, clock = FakeTTY(), Clock()
    p = Progress(total=100, stream=stream, clock=clock, interval=1.0)
    for _ in range(50):
        p.update()
    assert stream.getvalue().count("\r") == 1  # the first update draws, the rest wait
    clock.now += 1.5
    p.update()
    assert stream.getvalue().count("\r") == 2


def test_messages_go_above_the_line():
    stream, clock = FakeTTY(), Clock()
    p = Progress(total=10, stream=stream, clock=clock, interval=0.0)
    p.update()
    p.write("replyguard: cases.jsonl: line 3: invalid JSON")
    assert "\r\x1b[Kreplyguard: cases.jsonl: line 3: invalid JSON\n" in stream.getvalue()


def test_not_a_tty_is_silent():
    stream = io.StringIO()
    with Progress(total=10, stream=stream) as p:
        for _ in range(10):
            p.update()
    assert stream.getvalue() == ""
    p2 = Progress(stream=stream)
    p2.write("an error")  # messages still arrive, without any drawing
    assert stream.getvalue() == "an error\n"


def test_batch_cli_is_silent_on_non_tty_stderr(tmp_path, capsys, monkeypatch):
    from replyguard.cli import main

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cases.jsonl"
    path.write_text('{"post": {"author": "a", "text": "届かない"}, '
                    '"draft": {"author": "b", "text": "確認いたします。"}}\n', encoding="utf-8")
    main(["check", "--cases", str(path), "--format", "jsonl"])
    assert capsys.readouterr().err == ""


def test_count_cases_skips_blank_lines(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"a": 1}\n\n{"b": 2}\n   \n{"c": 3}', encoding="utf-8")
    assert count_cases(str(path)) == 3
