#!/usr/bin/env python3
"""balance_watcher: prints a unit's balances, then follows the ledger live
and prints each money event as it arrives, with the unit's available
balance per fund source after it.

    PYTHONPATH=build/clients/python/gen:clients/python \\
      python3 clients/python/examples/balance_watcher.py \\
      --address 127.0.0.1:50051 --token-file service.token --unit sd.jn

A `service` token is enough (query and subscribe). The watcher starts from
the exact log point its balances reflect, so no event is missed or counted
twice, and keeps following across server restarts (the subscription
resumes by itself). Ctrl-C or SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Dict, Optional

from reliefclient import (Client, Event, ReliefError, Tls, format_yuan,
                          fund_source_slug)
from relief.v1 import events_pb2

SOURCES = ("federation", "government", "donations", "own_funds")
PHASES = {
    events_pb2.POSTING_PHASE_POSTED: "",
    events_pb2.POSTING_PHASE_PENDING: " (reserved)",
    events_pb2.POSTING_PHASE_POST_PENDING: " (reservation posted)",
    events_pb2.POSTING_PHASE_VOID_PENDING: " (reservation released)",
}


def available_delta(posting: events_pb2.Posting, account: str) -> int:
    """How a posting changes `account`'s available balance
    (posted credits - posted debits - pending debits)."""
    amount = posting.amount_fen
    phase = posting.phase
    delta = 0
    if posting.debit_account == account:
        if phase in (events_pb2.POSTING_PHASE_POSTED,
                     events_pb2.POSTING_PHASE_PENDING):
            delta -= amount       # spent, or reserved to be spent
        elif phase == events_pb2.POSTING_PHASE_VOID_PENDING:
            delta += amount       # the reservation is released
    if posting.credit_account == account:
        if phase in (events_pb2.POSTING_PHASE_POSTED,
                     events_pb2.POSTING_PHASE_POST_PENDING):
            delta += amount
    return delta


def print_balances(client: Client, unit: str) -> tuple:
    summary = client.fund_summary(unit)
    print(f"{unit}: balances as of event #{summary.as_of_sequence} (yuan)")
    header = ("source", "received", "goods", "alloc. in", "alloc. down",
              "granted", "reserved", "lent", "repaid", "available")
    print("  " + "".join(f"{h:>14}" for h in header))
    available: Dict[str, int] = {}
    for row in summary.rows:
        available[row.fund_source] = row.available_fen
        amounts = (row.received_fen, row.goods_received_fen,
                   row.allocated_in_fen, row.allocated_down_fen,
                   row.granted_fen, row.reserved_fen, row.lent_fen,
                   row.repaid_fen, row.available_fen)
        print("  " + f"{row.fund_source:>14}" +
              "".join(f"{format_yuan(a):>14}" for a in amounts))
    return summary.as_of_sequence, available


def print_event(event: Event, unit: str, available: Dict[str, int]) -> None:
    when = event.recorded_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    print(f"#{event.sequence}  {when}  {event.type}  by {event.actor}")
    touched = []
    for posting in event.postings:
        source = fund_source_slug(posting.fund_source)
        print(f"    {format_yuan(posting.amount_fen):>16}  {source:<10}  "
              f"{posting.debit_account} -> {posting.credit_account}"
              f"{PHASES.get(posting.phase, '')}")
        pool = f"{unit}/{source}/pool"
        delta = available_delta(posting, pool)
        if pool in (posting.debit_account, posting.credit_account):
            available[source] = available.get(source, 0) + delta
            if source not in touched:
                touched.append(source)
    if touched:
        print("    available: " + ", ".join(
            f"{s} {format_yuan(available[s])}" for s in touched))


def read_token(path: Optional[str]) -> str:
    """--token-file, else $RELIEF_TOKEN, else ./data/admin.token."""
    if path is None and os.environ.get("RELIEF_TOKEN"):
        return os.environ["RELIEF_TOKEN"].strip()
    with open(path or "data/admin.token", encoding="utf-8") as f:
        return f.read().strip()


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", default="127.0.0.1:50051",
                        help="reliefd host:port (default %(default)s)")
    parser.add_argument("--token-file",
                        help="bearer token file (default: $RELIEF_TOKEN, "
                        "else ./data/admin.token)")
    parser.add_argument("--unit", required=True, help="unit code, e.g. sd.jn")
    parser.add_argument("--tls-ca", help="CA certificate (PEM): use TLS")
    parser.add_argument("--max-events", type=int, default=0,
                        help="stop after this many money events (0: never)")
    args = parser.parse_args(argv)

    try:
        token = read_token(args.token_file)
    except OSError as error:
        print(f"balance_watcher: cannot read the token: {error}", file=sys.stderr)
        return 2
    tls = Tls(ca_file=args.tls_ca) if args.tls_ca else None
    with Client(args.address, token, tls) as client:
        try:
            after, available = print_balances(client, args.unit)
        except ReliefError as error:
            print(f"balance_watcher: {error}", file=sys.stderr)
            return 1

        def reconnecting(error: ReliefError, delay: float) -> None:
            print(f"balance_watcher: {error}; resuming in {delay:.1f} s",
                  file=sys.stderr)

        subscription = client.subscribe(after_sequence=after, unit=args.unit,
                                        on_reconnect=reconnecting)
        signal.signal(signal.SIGTERM, lambda *_: subscription.close())
        print(f"following {args.unit} after event #{after}", flush=True)
        seen = 0
        try:
            for event in subscription:
                if not event.is_money:
                    continue
                print_event(event, args.unit, available)
                sys.stdout.flush()
                seen += 1
                if args.max_events and seen >= args.max_events:
                    break
        except ReliefError as error:
            print(f"balance_watcher: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            pass
        finally:
            subscription.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
