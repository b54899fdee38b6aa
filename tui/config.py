"""Where Threadline keeps its files, and the reader's settings (TOML).

With ``--home DIR`` (or ``THREADLINE_HOME``) the config and the database live
together in DIR; otherwise in the platform's config and data directories.
Subscriptions live in the database, not here: the config is for preferences.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import stat
import tempfile
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

APP_NAME = "threadline"
CONFIG_NAME = "config.toml"

EXAMPLE_CONFIG = """\
# Threadline settings. Every key is optional; these are the defaults.

[poll]
# default period between polls of a feed, in seconds (servers' hints are a floor)
period = 900
# requests in flight at once: per host, and in all
per_host = 2
total = 32
# how often a followed (live) article is polled, and after how long without an
# update it stops being followed
follow_every = 60
follow_quiet_hours = 24
# how often an open comment thread is polled
thread_every = 60

[display]
# "local", or an IANA zone such as "Europe/London"
timezone = "local"
# ring the terminal bell when a followed article has a new update
bell = false
# a Textual theme ("textual-dark", "textual-light", "nord", ...); choosing one in
# the command palette (ctrl+p, "Change theme") saves it here
# theme = "textual-dark"

[threads]
# open big threads folded: show only this many levels (1 = top-level comments
# only; 0 = all), and fold any comment with more replies than this (0 = never)
fold_below_depth = 0
fold_over_replies = 0

[keys]
# rebind any key by its binding id, "<where>.<action>" (shown by `?` in the app):
# "timeline.comments" = "C"
# "timeline.toggle_read" = "x,m"
# or as a table per place:
# [keys.comments]
# toggle_fold = "enter,space"

[sources]
# base URLs of the comment sources (change them to point at a mirror)
# hn_algolia = "https://hn.algolia.com"
# hn_firebase = "https://hacker-news.firebaseio.com"
# reddit = "https://www.reddit.com"
# lobsters = "https://lobste.rs"

# [sync]
# read feeds from an aggregator server as well ("threadline sync", and in the app)
# kind = "ttrss"                    # or "greader" (FreshRSS, Miniflux, Inoreader...)
# url = "https://rss.example.org/tt-rss"
# user = "me"
# password_env = "THREADLINE_SYNC_PASSWORD"   # or: password_command = "pass show rss"
"""


class ConfigError(Exception):
    pass


@dataclass
class Paths:
    config: Path  # the config file
    data: Path  # the directory holding the database

    @property
    def database(self) -> Path:
        return self.data / "threadline.db"


def resolve_paths(home: str | os.PathLike | None = None) -> Paths:
    home = home or os.environ.get("THREADLINE_HOME") or None
    if home:
        root = Path(home).expanduser()
        return Paths(config=root / CONFIG_NAME, data=root)
    return Paths(
        config=Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_NAME,
        data=Path(platformdirs.user_data_dir(APP_NAME)),
    )


@dataclass
class Config:
    period: float = 900.0
    per_host: int = 2
    total: int = 32
    follow_every: float = 60.0
    follow_quiet_hours: float = 24.0
    thread_every: float = 60.0
    timezone: str = "local"
    bell: bool = False
    theme: str = ""  # "" leaves Textual's default
    fold_below_depth: int = 0  # a thread opens showing this many levels (0: all)
    fold_over_replies: int = 0  # a thread opens with comments of more replies folded (0: none)
    keys: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    sync: SyncConfig | None = None  # [sync]: an aggregator account, None when not set
    # Things worth saying that do not stop Threadline (an unknown section, say);
    # the command line prints them, one line each.
    warnings: list[str] = field(default_factory=list)

    # The file this came from (None: not from a file), where a theme chosen in the
    # app is saved.
    path: Path | None = None

    FOLLOW_FLOOR = 15.0  # never poll a followed article faster than this

    @property
    def follow_period(self) -> float:
        return max(self.FOLLOW_FLOOR, self.follow_every)


_SECTIONS = {
    "poll": ("period", "per_host", "total", "follow_every", "follow_quiet_hours", "thread_every"),
    "display": ("timezone", "bell", "theme"),
    "threads": ("fold_below_depth", "fold_over_replies"),
}

# The range each number may take: a value outside it is refused with the range in
# the message, so that nan, inf, 1e300 or 1e-300 can never reach the scheduler.
RANGES: dict[str, tuple[float, float]] = {
    "period": (10.0, 7 * 86400.0),
    "per_host": (1, 16),
    "total": (1, 256),
    "follow_every": (1.0, 86400.0),
    "follow_quiet_hours": (0.1, 24 * 30.0),
    "thread_every": (5.0, 86400.0),
    "fold_below_depth": (0, 64),
    "fold_over_replies": (0, 100_000),
}

SOURCE_NAMES = (
    "hn_algolia",
    "hn_firebase",
    "reddit",
    "lobsters",
    "hn_hosts",
    "reddit_hosts",
    "lobsters_hosts",
    "reddit_more_interval",  # seconds between two "load more" requests (Reddit's rate limit)
    "reddit_more_batches",  # requests of 100 ids per press of enter on a stub
)
_KNOWN_SECTIONS = (*_SECTIONS, "keys", "sources", "sync")


@dataclass
class SyncConfig:
    """``[sync]``: one aggregator account. The password is never here: only the
    name of the environment variable that holds it, or a command that prints it."""

    kind: str  # one of SYNC_KINDS
    url: str
    user: str
    password_env: str = ""
    password_command: str = ""


SYNC_KINDS = ("ttrss", "greader")
_SYNC_KEYS = ("kind", "url", "user", "password_env", "password_command")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def sync_config(table: object, path: Path | str = "config") -> SyncConfig:
    """Check ``[sync]``; a hostile or mistaken value is refused with one line that
    never repeats what a password might have been typed into."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [sync] must be a table")
    for name in table:
        if name not in _SYNC_KEYS:
            hint = " (the password is never kept in the config: use password_env or password_command)"
            raise ConfigError(
                f"{path}: unknown setting sync.{str(name)[:40]}{hint if 'pass' in str(name) else ''}"
            )
    values: dict[str, str] = {}
    for name in _SYNC_KEYS:
        value = table.get(name, "")
        if not isinstance(value, str) or _CONTROL.search(value) or len(value) > 2000:
            raise ConfigError(f"{path}: sync.{name} must be a string of printable characters")
        values[name] = value.strip()
    if values["kind"] not in SYNC_KINDS:
        raise ConfigError(f"{path}: sync.kind must be one of {', '.join(SYNC_KINDS)}")
    url = values["url"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise ConfigError(f"{path}: sync.url must be an http:// or https:// URL")
    if parts.username or parts.password:
        raise ConfigError(
            f"{path}: sync.url must not hold a user or password (use sync.user and password_env)"
        )
    if not values["user"]:
        raise ConfigError(f"{path}: sync.user is missing")
    env, command = values["password_env"], values["password_command"]
    if bool(env) == bool(command):
        raise ConfigError(f"{path}: [sync] needs exactly one of password_env or password_command")
    if env and not _ENV_NAME.fullmatch(env):
        raise ConfigError(f"{path}: sync.password_env must be the name of an environment variable")
    if command:
        try:
            if not shlex.split(command):
                raise ValueError
        except ValueError:
            raise ConfigError(f"{path}: sync.password_command is not a command line") from None
    return SyncConfig(**values)


def load_config(path: Path) -> Config:
    """Read the config file; a missing file means the defaults."""
    config = Config(path=path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block the read forever
            raise ConfigError(f"cannot read {path}: not a regular file")
        raw = path.read_bytes()
    except FileNotFoundError:
        return config
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    types = {f.name: f.type for f in fields(Config)}
    for section, names in _SECTIONS.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
        for name, value in table.items():
            if name not in names:
                raise ConfigError(f"{path}: unknown setting {section}.{name}")
            expected = types[name]
            ok = (
                (expected == "float" and isinstance(value, (int, float)) and not isinstance(value, bool))
                or (expected == "int" and isinstance(value, int) and not isinstance(value, bool))
                or (expected == "bool" and isinstance(value, bool))
                or (expected == "str" and isinstance(value, str))
            )
            if not ok and name in RANGES:
                low, high = RANGES[name]
                kind = "a whole number" if expected == "int" else "a number"
                raise ConfigError(f"{path}: {section}.{name} must be {kind} between {low:g} and {high:g}")
            if not ok:
                kind = {"bool": "true or false", "str": "a string"}.get(str(expected), str(expected))
                raise ConfigError(f"{path}: {section}.{name} must be {kind}")
            if name in RANGES:
                low, high = RANGES[name]
                # An int may be too big for a float (or for repr): compare it as it is.
                if not ((isinstance(value, int) or math.isfinite(value)) and low <= value <= high):
                    shown = (
                        repr(value) if not isinstance(value, int) or abs(value) < 10**18 else "one that large"
                    )
                    raise ConfigError(
                        f"{path}: {section}.{name} must be between {low:g} and {high:g}, not {shown}"
                    )
            if name == "timezone" and not _known_zone(value):
                raise ConfigError(
                    f'{path}: display.timezone: unknown time zone {value[:60]!r} ("local" or an IANA name such as "Europe/London")'
                )
            setattr(config, name, float(value) if expected == "float" else value)
    for section in data:
        if section not in _KNOWN_SECTIONS:
            config.warnings.append(f"{path}: unknown section [{section[:40]}] ignored")
    for section in ("keys", "sources"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
        flat: dict[str, str] = {}
        for name, value in table.items():
            # [keys.timeline] comments = "C"  is the same as  [keys] "timeline.comments" = "C"
            items = value.items() if isinstance(value, dict) else [(None, value)]
            for sub, v in items:
                if not isinstance(v, str):
                    raise ConfigError(f"{path}: [{section}] values must be strings")
                flat[f"{name}.{sub}" if sub else name] = v
        setattr(config, section, flat)
    for name in config.sources:
        if name not in SOURCE_NAMES:
            config.warnings.append(f"{path}: unknown setting sources.{name[:40]} ignored")
    if "sync" in data:
        config.sync = sync_config(data["sync"], path)
    return config


_DISPLAY_HEADER = re.compile(r"^\s*\[\s*display\s*\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")
_THEME_LINE = re.compile(r"^\s*theme\s*=")


def save_theme(path: Path, theme: str) -> str:
    """Set ``[display] theme`` in the config file and keep everything else as it is:
    the one line is replaced, or added under [display], or a [display] table is
    appended. The result is parsed before it replaces the file (written beside it,
    then renamed); returns "" or why nothing was written."""
    if not re.fullmatch(r"[\w.-]{1,60}", theme):
        return f"not a theme name: {theme[:60]!r}"
    try:
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        before = tomllib.loads(old)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return f"cannot read {path}: {exc}"
    entry = f'theme = "{theme}"'
    lines = old.splitlines()
    start = next((i for i, line in enumerate(lines) if _DISPLAY_HEADER.match(line)), None)
    if start is None:
        text = old + ("" if not old or old.endswith("\n") else "\n") + ("\n" if old else "")
        text += f"[display]\n{entry}\n"
    else:
        end = next((i for i in range(start + 1, len(lines)) if _ANY_HEADER.match(lines[i])), len(lines))
        at = next((i for i in range(start + 1, end) if _THEME_LINE.match(lines[i])), None)
        if at is None:
            lines.insert(start + 1, entry)
        else:
            lines[at] = entry
        text = "\n".join(lines) + "\n"
    try:
        after = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return f"not saved: the edited {path.name} would not parse ({exc})"
    display = dict(after.get("display", {}))
    if display.pop("theme", None) != theme:
        return f"not saved: could not place the theme in {path.name}"
    before_display = dict(before.get("display", {}))
    before_display.pop("theme", None)
    if display != before_display or {k: v for k, v in after.items() if k != "display"} != {
        k: v for k, v in before.items() if k != "display"
    }:
        return f"not saved: editing {path.name} would change other settings"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, text)
    except OSError as exc:
        return f"cannot write {path}: {exc.strerror or exc}"
    return ""


def write_whole(target: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``target`` and rename it into place:
    a full disk or a kill leaves the old file whole, never a truncated one. Raises
    OSError; no temporary file is left behind."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp: Path | None = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            if target.exists():  # a replaced file keeps its permissions
                os.chmod(name, stat.S_IMODE(target.stat().st_mode))
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, target)
        tmp = None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _known_zone(name: str) -> bool:
    if name == "local":
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def parse_duration(text: str) -> float:
    """'90', '90s', '10m', '2h', '1d' -> seconds. Raises ValueError."""
    text = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units:
        number, unit = text[:-1], units[text[-1]]
    else:
        number, unit = text, 1
    value = float(number) * unit
    if not value > 0 or value != value or value == float("inf"):
        raise ValueError(f"not a positive duration: {text!r}")
    return value
