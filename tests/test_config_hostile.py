"""A stranger's worst config value: one clear line naming the key and the allowed
range, exit status 2, nothing written (issue 13, round two, #5 and #10)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from tui.config import ConfigError, load_config


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "line",
    [
        "period = nan",
        "period = inf",
        "period = 1e300",
        "period = 1e-300",
        "period = -5",
        "total = 1e23",
        "per_host = 0",
        "thread_every = 0.001",
        "follow_quiet_hours = nan",
    ],
)
def test_numbers_out_of_range_are_refused_with_the_range(tmp_path, line):
    name = line.split()[0]
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, f"[poll]\n{line}\n"))
    message = str(caught.value)
    assert f"poll.{name}" in message and "between" in message
    assert "\n" not in message


def test_good_numbers_still_load(tmp_path):
    config = load_config(write(tmp_path, "[poll]\nperiod = 600\ntotal = 8\nfollow_quiet_hours = 0.5\n"))
    assert (config.period, config.total, config.follow_quiet_hours) == (600.0, 8, 0.5)


def test_an_unknown_time_zone_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        load_config(write(tmp_path, '[display]\ntimezone = "Mars/Olympus"\n'))
    assert load_config(write(tmp_path, '[display]\ntimezone = "Asia/Tokyo"\n')).timezone == "Asia/Tokyo"


def test_unknown_sections_and_sources_are_warned_about(tmp_path):
    config = load_config(write(tmp_path, '[pol]\nperiod = 5\n[sources]\nhn_algolai = "http://x"\n'))
    assert any("unknown section [pol]" in w for w in config.warnings)
    assert any("sources.hn_algolai" in w for w in config.warnings)


def test_a_fifo_named_config_toml_does_not_hang(tmp_path):
    path = tmp_path / "config.toml"
    os.mkfifo(path)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(_load_or_error(path)), daemon=True)
    worker.start()
    worker.join(5)
    assert result and "not a regular file" in result[0]


def _load_or_error(path) -> str:
    try:
        load_config(path)
    except ConfigError as exc:
        return str(exc)
    return "loaded"


def run(home, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", "--home", str(home), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_nan_period_on_the_command_line_is_one_line_and_exit_2(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("[poll]\nperiod = nan\n")
    done = run(home, "list")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "poll.period must be between" in done.stderr
    assert not (home / "threadline.db").exists()  # nothing written


def test_a_keymap_that_leaves_no_quit_is_refused(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('[keys]\n"timeline.comments" = "q"\n')
    done = run(home)  # the reader itself: refused before the terminal is touched
    assert done.returncode == 2
    assert "no key is left to quit" in done.stderr and "timeline.comments" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_binding_ids_are_warned_about():
    from tui.ui.keymap import all_scopes, check_keymap

    check = check_keymap({"timeline.comentz": "C", "timeline.comments": "C"}, *all_scopes())
    assert check.errors == []
    assert len(check.warnings) == 1 and "timeline.comentz" in check.warnings[0]
    moved = check_keymap({"app.quit": "x", "timeline.comments": "q"}, *all_scopes())
    assert moved.errors == []  # quit moved to x: q may be given away
