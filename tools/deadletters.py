"""Operators' view of a service's dead-letter topic: what its consumers could not handle, and
their replay.

    python -m tools.deadletters --service notifications list   [--consumer GROUP] [--all]
    python -m tools.deadletters --service notifications show   ID  (partition:offset, as listed)
    python -m tools.deadletters --service notifications replay ID | --all
    python -m tools.deadletters --shared list | show ID    (the shared topic of old: read only)

`list` shows one line per original message and consumer (topic, key, error, first seen, how
many times dead-lettered), leaving out those already replayed unless `--all`. `replay` puts the
original back on its topic with its original key and headers, once, and only onto a topic the
service consumes (shared/topics.py CONSUMED_BY), whatever the letter says; the consumers' inbox
makes it a no-op where the event was handled already. Writing another service's topic takes the
Kafka admin's credentials (RMA_KAFKA_USERNAME / RMA_KAFKA_PASSWORD). Brokers: --bootstrap or
RMA_KAFKA_BOOTSTRAP_SERVERS (127.0.0.1:9092).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from shared import deadletters, topics


def _print_list(groups: list[deadletters.DeadLetterGroup], everything: bool) -> None:
    shown = [g for g in groups if everything or not g.replayed]
    print(
        f"{'id':<10} {'count':>5}  {'first seen':<19}  {'topic':<18} {'consumer':<14} key / error"
    )
    for group in shown:
        row = group.summary()
        replayed = " (replayed)" if group.replayed else ""
        print(
            f"{row['id']!s:<10} {row['count']!s:>5}  {str(row['first_seen'])[:19]:<19}  "
            f"{row['topic']!s:<18} {row['consumer']!s:<14} {row['key']}{replayed}\n"
            f"{'':<10} {str(row['error'])[:160]}"
        )
    print(f"{len(shown)} dead letter(s)")


def _print_one(group: deadletters.DeadLetterGroup) -> None:
    letter = group.latest
    for name, value in group.summary().items():
        print(f"{name}: {value}")
    print("headers:")
    for name, raw in letter.headers:
        if name != "dead_letter_traceback":
            print(f"  {name}: {raw.decode(errors='replace')}")
    print(f"traceback:\n{letter.header('dead_letter_traceback')}")
    body = letter.value.decode(errors="replace")
    print(f"body ({len(letter.value)} bytes):\n{body[:4000]}{' ...' if len(body) > 4000 else ''}")


async def run(args: argparse.Namespace) -> int:
    topic = topics.SHARED_DEAD_LETTER if args.shared else topics.dead_letters(args.service)
    groups = await deadletters.dead_letters(args.bootstrap, topic, args.consumer)
    if args.command == "list":
        _print_list(groups, args.all)
        return 0
    if args.command == "show" or args.id:
        group = deadletters.find(groups, args.id)
        if group is None:
            print(f"deadletters: no dead letter {args.id}", file=sys.stderr)
            return 1
        if args.command == "show":
            _print_one(group)
            return 0
        if group.replayed:
            print(f"deadletters: {args.id} was replayed already", file=sys.stderr)
            return 1
        chosen = [group]
    else:
        chosen = [g for g in groups if not g.replayed]
    consumed = () if args.shared else topics.CONSUMED_BY.get(args.service, ())
    try:
        replayed = await deadletters.replay(args.bootstrap, topic, chosen, consumed)
    except deadletters.ReplayError as error:
        print(f"deadletters: {error}", file=sys.stderr)
        return 1
    for letter in replayed:
        print(f"replayed {letter.id} to {letter.source_topic} (key {letter.key!r})")
    print(f"{len(replayed)} dead letter(s) replayed")
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.deadletters", description=__doc__)
    parser.add_argument(
        "--bootstrap", default=os.environ.get("RMA_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    whose = parser.add_mutually_exclusive_group(required=True)
    whose.add_argument(
        "--service",
        help="the service whose dead-letter topic (rma.deadletter.<service>.v1) to read: "
        + ", ".join(sorted(topics.CONSUMED_BY)),
    )
    whose.add_argument(
        "--shared",
        action="store_true",
        help=f"the shared {topics.SHARED_DEAD_LETTER} of old: listed and shown, never replayed",
    )
    parser.add_argument("--consumer", help="only the dead letters of this consumer group")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="the dead letters, oldest first")
    listing.add_argument("--all", action="store_true", help="with those already replayed")
    show = commands.add_parser("show", help="one dead letter in full")
    show.add_argument("id")
    replay = commands.add_parser("replay", help="put dead letters back on their topics, once")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?")
    which.add_argument("--all", action="store_true", help="every one not replayed yet")
    args = parser.parse_args(argv)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
