"""The ``threadline`` command: argument parsing and the headless sub-commands.

Global options (--home, --interval) come before a sub-command. Without a
sub-command it starts the app. Usage errors print one line on stderr, exit 2
and write nothing: every check happens before the store is opened.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from tui import __version__
from tui.config import Config, ConfigError, load_config, parse_duration, resolve_paths, write_whole
from tui.text.sanitize import clean_line, web_url_problem

COMMANDS = ("add", "remove", "list", "import", "export", "refresh", "thread", "sync")


class UsageError(Exception):
    """A mistake on the command line: reported on one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line instead of usage + message
        raise UsageError(message)


def _positive_seconds(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}") from None


def _global_parser() -> _Parser:
    p = _Parser(
        prog="threadline",
        description="A terminal reader for live news and the comment threads under it.",
        epilog="sub-commands: " + ", ".join(COMMANDS) + " (threadline COMMAND --help)",
    )
    p.add_argument("--home", metavar="DIR", help="keep config and database in DIR")
    p.add_argument(
        "--interval",
        metavar="SECONDS",
        type=_positive_seconds,
        help="poll every feed, followed article and open thread this often",
    )
    p.add_argument("--version", action="version", version=f"threadline {__version__}")
    return p


def _app_parser() -> _Parser:
    p = _global_parser()
    p.add_argument("--demo", action="store_true", help="run on the built-in live newsroom")
    p.add_argument("urls", nargs="*", metavar="FEED_URL", help="follow just these feeds, save nothing")
    return p


def _command_parser(command: str) -> _Parser:
    p = _Parser(prog=f"threadline {command}")
    if command == "add":
        p.add_argument("url")
        p.add_argument("--title", default="")
        p.add_argument("--folder", default="")
        p.add_argument("--every", type=_positive_seconds, metavar="PERIOD", help="e.g. 90s, 10m, 2h")
        p.add_argument("--sync", action="store_true", help="subscribe on the [sync] server instead")
    elif command == "remove":
        p.add_argument("url")
    elif command == "import":
        p.add_argument("file", metavar="FILE.opml")
    elif command == "export":
        p.add_argument("file", nargs="?", metavar="FILE.opml")
    elif command in ("refresh", "sync"):
        p.add_argument("--json", action="store_true", help="print the results as JSON")
    elif command == "thread":
        p.add_argument("url")
    return p


def _split_argv(argv: list[str]) -> tuple[list[str], str | None, list[str]]:
    """Find the sub-command: the first word that is not a global option or its value."""
    takes_value = {"--home", "--interval"}
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in takes_value:
            i += 2
            continue
        if word.startswith("-"):
            i += 1
            continue
        if word in COMMANDS:
            return argv[:i], word, argv[i + 1 :]
        break
    return argv, None, []


def _check_url(url: str) -> str:
    problem = web_url_problem(url)
    if problem:
        raise UsageError(f"{problem}: {clean_line(url)[:120]!r}")
    return url


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        head, command, rest = _split_argv(argv)
        if command is None:
            args = _app_parser().parse_args(head)
            for url in args.urls:
                _check_url(url)
            if args.demo and args.urls:
                raise UsageError("--demo runs on the built-in newsroom; leave out the feed URLs")
            cmd_args = None
        else:
            args = _global_parser().parse_args(head)
            cmd_args = _command_parser(command).parse_args(rest)
            if command in ("add", "thread"):
                _check_url(cmd_args.url)
            if command == "import" and not Path(cmd_args.file).is_file():
                raise UsageError(f"no such file: {cmd_args.file}")
        paths = resolve_paths(args.home)
        config = load_config(paths.config)
        for warning in config.warnings:
            print(f"threadline: config: {warning}", file=sys.stderr)
    except UsageError as exc:
        print(f"threadline: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"threadline: config: {exc}", file=sys.stderr)
        return 2

    from tui.store import StoreError

    # Problems worth a line (a feed the store could not record) go to stderr as
    # one line each; the per-feed summary on stdout says the rest.
    logging.basicConfig(level=logging.WARNING, format="threadline: %(message)s")
    try:
        if command is None:
            return _run_app(args, paths, config)
        return _run_command(command, cmd_args, args, paths, config)
    except StoreError as exc:
        print(f"threadline: {exc}", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"threadline: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `threadline list | head -1`: the reader has what they wanted. Point stdout
        # at /dev/null so that the flush at exit cannot raise a second time.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141


# -- sub-commands ---------------------------------------------------------------


def _open_store(paths):
    from tui.store import Store

    return Store.open(paths.data)


def _run_command(command: str, cmd, args, paths, config: Config) -> int:
    if command == "remove":
        if not paths.database.exists():
            raise UsageError(f"not subscribed: {clean_line(cmd.url)}")
        with _open_store(paths) as store:
            if not store.remove_feed(cmd.url):
                raise UsageError(f"not subscribed: {clean_line(cmd.url)}")
        print(f"removed {clean_line(cmd.url)}")
        return 0
    if command == "add" and cmd.sync:
        return _add_synced(cmd, paths, config)
    if command == "add":
        with _open_store(paths) as store:
            existed = store.feed_by_url(cmd.url) is not None
            feed = store.add_feed(cmd.url, title=cmd.title, folder=cmd.folder, every=cmd.every)
        verb = "updated" if existed else "added"
        print(f"{verb} {clean_line(feed.display_title)}")
        return 0
    if command == "list":
        if not paths.database.exists():  # a read-only command creates nothing
            print(format_feed_list([]))
            return 0
        with _open_store(paths) as store:
            print(format_feed_list(store.feeds()))
        return 0
    if command == "import":
        from tui.feeds.opml import OpmlError, read_opml_report

        try:
            found = read_opml_report(Path(cmd.file).read_bytes())
        except OpmlError as exc:
            raise UsageError(f"{cmd.file}: {exc}") from None
        except OSError as exc:
            raise UsageError(f"cannot read {cmd.file}: {exc.strerror or exc}") from None
        for problem in found.problems:
            print(f"threadline: {cmd.file}: {problem}", file=sys.stderr)
        added = 0
        with _open_store(paths) as store:
            known = {f.url for f in store.feeds()}
            for o in found.outlines:
                if o.url not in known:
                    added += 1
                    known.add(o.url)
                store.add_feed(o.url, title=o.title, folder=o.folder)
        skipped = len(found.outlines) - added
        print(f"imported {added} new feeds ({skipped} already subscribed or skipped)")
        return 0
    if command == "export":
        from tui.feeds.opml import Outline, write_opml

        outlines = []
        if paths.database.exists():  # a read-only command creates nothing
            with _open_store(paths) as store:
                outlines = [Outline(url=f.url, title=f.title, folder=f.folder) for f in store.feeds()]
        text = write_opml(outlines)
        if cmd.file:
            _export_to(Path(cmd.file), text)
            print(f"exported {len(outlines)} feeds to {cmd.file}")
        else:
            sys.stdout.write(text)
        return 0
    if command == "refresh":
        with _open_store(paths) as store:
            results, elapsed = asyncio.run(_refresh(store, config, args.interval))
            if cmd.json:
                print(json.dumps(refresh_json(results, elapsed), indent=2))
            else:
                print(format_refresh(results, elapsed))
        return 0
    if command == "thread":
        return _run_thread(cmd.url, args, paths, config)
    if command == "sync":
        return _run_sync(cmd, paths, config)
    raise AssertionError(command)


def _add_synced(cmd, paths, config: Config) -> int:
    """`add URL --sync`: the server subscribes (the aggregator polls it), then a sync
    brings it here; exit 1 with one line when the server says no."""
    if config.sync is None:
        raise UsageError("add --sync needs a [sync] section in config.toml")
    from tui.sync.engine import subscribe_once
    from tui.sync.summary import failure_line, format_report

    with _open_store(paths) as store:
        report = subscribe_once(store, config.sync, cmd.url, cmd.folder)
    if not report.ok:
        print(f"threadline: {failure_line(report)}", file=sys.stderr)
        return 1
    print(f"subscribed on the server: {clean_line(cmd.url)}")
    print(format_report(report))
    return 0


def _run_sync(cmd, paths, config: Config) -> int:
    """One headless sync with the [sync] account; exit 1 with one line when it
    could not run (login refused, server unreachable): queued changes are kept."""
    if config.sync is None:
        raise UsageError("no [sync] section in config.toml (kind, url, user, password_env)")
    from tui.sync.engine import sync_once
    from tui.sync.summary import failure_line, format_report, report_json

    with _open_store(paths) as store:
        report = sync_once(store, config.sync)
    if cmd.json:
        print(json.dumps(report_json(report), indent=2))
    elif report.ok:
        print(format_report(report))
    if not report.ok:
        print(f"threadline: {failure_line(report)}", file=sys.stderr)
        return 1
    return 0


def _export_to(target: Path, text: str) -> None:
    """Export into ``target`` without ever leaving a truncated backup (write_whole)."""
    if target.is_dir():
        raise UsageError(f"cannot export to {target}: it is a folder")
    if not target.parent.is_dir():
        raise UsageError(f"cannot export to {target}: no such folder {target.parent}")
    try:
        write_whole(target, text)
    except OSError as exc:
        raise UsageError(f"cannot export to {target}: {exc.strerror or exc}") from None


async def _refresh(store, config: Config, interval: float | None):
    from tui.polling.refresh import refresh_feeds

    started = time.perf_counter()
    results = await refresh_feeds(store, config, interval=interval)
    return results, time.perf_counter() - started


def _outcome_text(r) -> str:
    if r.outcome == "new":
        parts = [f"{len(r.new_ids)} new"]
        if r.changed_ids:
            parts.append(f"{len(r.changed_ids)} updated")
        text = ", ".join(parts)
    elif r.outcome == "not-modified":
        text = "not modified"
    elif r.outcome == "unchanged":
        text = "unchanged (same body, not parsed)"
    elif r.outcome == "gone":
        text = "gone (410): no longer polled"
    elif r.outcome == "deferred":
        text = f"skipped: {clean_line(r.error) or 'the server asked us to wait'}"
    else:
        text = f"error: {clean_line(r.error)}"
    if getattr(r, "moved_to", None):
        text += f" (moved to {clean_line(r.moved_to)})"
    return text


def format_refresh(results, elapsed: float) -> str:
    lines = []
    width = max((len(clean_line(r.feed.display_title)[:50]) for r in results), default=10)
    for r in results:
        title = clean_line(r.feed.display_title)[:50]
        lines.append(f"{title:<{width}}  {_outcome_text(r)}")
    lines.append(summary_line(results, elapsed))
    return "\n".join(lines)


def summary_line(results, elapsed: float) -> str:
    new = sum(len(r.new_ids) for r in results)
    failed = sum(1 for r in results if r.outcome in ("error", "gone"))
    deferred = sum(1 for r in results if r.outcome == "deferred")
    not_modified = sum(1 for r in results if r.outcome in ("not-modified", "unchanged"))
    conditional = sum(1 for r in results if r.conditional)
    parsed = sum(1 for r in results if r.parsed)
    return (
        f"{len(results)} feeds: {new} new items, {not_modified} not modified, {failed} failed, "
        f"{deferred} waiting; "
        f"{conditional} conditional requests, {parsed} parsed; {elapsed:.2f} s"
    )


def refresh_json(results, elapsed: float) -> dict:
    return {
        "elapsed": round(elapsed, 3),
        "feeds": [
            {
                "url": r.feed.url,
                "title": r.feed.title,
                "outcome": r.outcome,
                "new": len(r.new_ids),
                "updated": len(r.changed_ids),
                "error": r.error,
                "status": r.status,
                "conditional": r.conditional,
                "parsed": r.parsed,
                "bytes": r.bytes_received,
                "moved_to": getattr(r, "moved_to", None),
            }
            for r in results
        ],
    }


def format_feed_list(feeds) -> str:
    if not feeds:
        return "no subscriptions yet: threadline add URL, or threadline import FILE.opml"
    lines = []
    for f in feeds:
        mark = {"error": "!", "gone": "x", "new": "·"}.get(f.status, " ")
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(f.last_success)) if f.last_success else "never"
        status = f.status if not f.failing else f"{f.status}: {clean_line(f.error)}"
        folder = f"{clean_line(f.folder)}/" if f.folder else ""
        lines.append(
            f"{mark} {f.unread:>5}/{f.total:<5} {folder}{clean_line(f.display_title)[:60]}\n"
            f"                {clean_line(f.url)}  [{status}; last success {when}]"
        )
    return "\n".join(lines)


# -- the app ----------------------------------------------------------------------


def _keys_refused(config: Config) -> bool:
    """Check the [keys] table against the app's bindings; say what is wrong."""
    from tui.ui.keymap import all_scopes, check_keymap

    check = check_keymap(config.keys, *all_scopes())
    for line in check.warnings:
        print(f"threadline: config: {line}", file=sys.stderr)
    for line in check.errors:
        print(f"threadline: config: {line}", file=sys.stderr)
    return bool(check.errors)


def _run_app(args, paths, config: Config) -> int:
    from tui.store import Store

    if _keys_refused(config):
        return 2
    newsroom = None
    home_tmp = None
    interval = args.interval
    if args.demo:
        from tui.demo import Newsroom

        newsroom = Newsroom()
        newsroom.start()
        if args.home:
            store = Store.open(paths.data)
        else:
            home_tmp = tempfile.TemporaryDirectory(prefix="threadline-demo-")
            store = Store.open(Path(home_tmp.name))
        for url, title, folder in newsroom.feeds():
            store.add_feed(url, title=title, folder=folder)
        interval = interval or 3.0
    elif args.urls:
        store = Store.memory()  # "follow just those, save nothing"
        for url in args.urls:
            store.add_feed(url)
    else:
        store = Store.open(paths.data)

    from tui.ui.app import ThreadlineApp

    _start_process_helpers()
    app = ThreadlineApp(store, config, interval=interval, demo=newsroom is not None)
    try:
        app.run()
    finally:
        store.close()
        if newsroom is not None:
            newsroom.stop()
        if home_tmp is not None:
            home_tmp.cleanup()
    return app.return_code or 0


def _start_process_helpers() -> None:
    """Start multiprocessing's resource tracker while stdio is still the terminal's:
    once the app runs, Textual has replaced it, and the feed parser's worker
    processes could not be started."""
    try:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    except (OSError, ValueError):
        pass  # the poller falls back to parsing in threads


def _run_thread(url: str, args, paths, config: Config) -> int:
    from tui.store import Store

    if _keys_refused(config):
        return 2
    store = Store.open(paths.data)
    from tui.ui.app import ThreadlineApp

    app = ThreadlineApp(store, config, interval=args.interval, thread_url=url)
    try:
        app.run()
    finally:
        store.close()
    return app.return_code or 0
