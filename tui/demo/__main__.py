"""``python -m tui.demo``: run the demo newsroom alone, to point any reader at it."""

from __future__ import annotations

import argparse
import threading

from tui.demo import Newsroom


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.demo", description=__doc__)
    parser.add_argument("--tick", type=float, default=6.0, help="seconds between publishing steps")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    newsroom = Newsroom(tick=0, seed=args.seed)
    base = newsroom.start()
    print(f"The demo newsroom is serving at {base}/")
    for url, title, folder in newsroom.feeds():
        print(f"  {folder:8} {title}: {url}")
    print(f"  comments (WordPress REST): {base}/wp-json/wp/v2/comments?post=ID")
    print("Publishing every", args.tick, "seconds. Ctrl-C to stop.", flush=True)
    done = threading.Event()
    try:
        # Publish here rather than in the newsroom's thread, so each step can be printed.
        while not done.wait(args.tick if args.tick > 0 else None):
            print(newsroom.publish(), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        newsroom.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
