"""reliefclient against a real reliefd (ctest: python_client, integration).

Each test starts its own reliefd on an ephemeral loopback port with a fresh
data dir (reliefd_process.py), registers sd, sd.jn, sd.qd, creates a
finance officer and a service token, and writes through the generated
stubs. Waiting is always for a condition, bounded by a deadline.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
import unittest
import uuid
from typing import List, Optional, Sequence

import grpc

from relief.v1 import events_pb2
from relief.v1 import ledger_service_pb2 as ledger_pb2
from reliefclient import Client, Event, ReliefError, Subscription, format_yuan
from reliefd_process import ReliefdProcess

WAIT = 60.0  # seconds: the bound on any wait for the server
EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "examples", "balance_watcher.py")


def request_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


class Collector:
    """Reads a subscription on its own thread; the test waits for what it
    has collected."""

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription
        self.events: List[Event] = []
        self.error: Optional[BaseException] = None
        self._done = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for event in self.subscription:
                with self._cond:
                    self.events.append(event)
                    self._cond.notify_all()
        except BaseException as error:  # reported by wait_*
            with self._cond:
                self.error = error
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def wait_for(self, predicate, what: str, timeout: float = WAIT) -> None:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: predicate(self.events) or self._done, timeout)
            if self.error is not None:
                raise AssertionError(f"subscription failed: {self.error!r}")
            if not ok or not predicate(self.events):
                raise AssertionError(
                    f"timed out waiting for {what}; have "
                    f"{[e.sequence for e in self.events][-10:]}")

    def wait_through(self, sequence: int, timeout: float = WAIT) -> None:
        self.wait_for(lambda events: bool(events) and
                      events[-1].sequence >= sequence,
                      f"event #{sequence}", timeout)

    def stop(self) -> None:
        self.subscription.close()
        self._thread.join(WAIT)
        assert not self._thread.is_alive(), "subscription did not end"


class ReliefdTestCase(unittest.TestCase):
    extra_args: Sequence[str] = ()

    def setUp(self) -> None:
        self.server = ReliefdProcess(extra_args=self.extra_args)
        self.addCleanup(self._close_server)
        self.server.start()
        admin = self.client(self.server.admin_token)
        self.register(admin, "sd", events_pb2.ORG_LEVEL_PROVINCE, "")
        self.register(admin, "sd.jn", events_pb2.ORG_LEVEL_CITY, "sd")
        self.register(admin, "sd.qd", events_pb2.ORG_LEVEL_CITY, "sd")
        self.finance_token = self.create_token(
            admin, "cai.wu", [events_pb2.ROLE_FINANCE_OFFICER])
        self.service_token = self.create_token(
            admin, "bi.service", [events_pb2.ROLE_SERVICE])
        # The log so far: the first admin token, 3 units, 2 tokens.
        self.base = admin.head_sequence()
        self.assertEqual(self.base, 6)

    def _close_server(self) -> None:
        result = getattr(getattr(self, "_outcome", None), "result", None)
        failed = result is not None and any(
            test is self for test, _ in result.failures + result.errors)
        if failed:
            sys.stderr.write(f"\n--- reliefd log ({self.server.log_path}):\n"
                             f"{self.server.log_tail()}\n")
        self.server.close()

    def client(self, token: str) -> Client:
        """A new client to the server where it is now (fresh channel)."""
        client = Client(self.server.address, token)
        self.addCleanup(client.close)
        return client

    def admin(self) -> Client:
        return self.client(self.server.admin_token)

    def finance(self) -> Client:
        return self.client(self.finance_token)

    def service(self) -> Client:
        return self.client(self.service_token)

    def register(self, admin: Client, code: str, level: int,
                 parent: str) -> None:
        admin.invoke(admin.ledger.RegisterOrgUnit,
                     ledger_pb2.RegisterOrgUnitRequest(
                         request_id=request_id("org"), code=code,
                         name_zh=f"{code} 总工会", level=level,
                         parent_code=parent))

    def create_token(self, admin: Client, name: str, roles: List[int]) -> str:
        response = admin.invoke(admin.ledger.CreateToken,
                                ledger_pb2.CreateTokenRequest(
                                    request_id=request_id("token"),
                                    name=name, roles=roles))
        self.assertTrue(response.token)
        return response.token

    def move_money(self, fen: int, client: Optional[Client] = None) -> int:
        """fen of donations into sd, then half of it down to sd.jn: two
        money events. Returns the sequence of the second."""
        finance = client or self.finance()
        finance.invoke(finance.ledger.ReceiveFunds,
                       ledger_pb2.ReceiveFundsRequest(
                           request_id=request_id("receive"), unit_code="sd",
                           fund_source=events_pb2.FUND_SOURCE_DONATIONS,
                           amount_fen=fen, payer="慈善总会"))
        allocated = finance.invoke(
            finance.ledger.AllocateFunds,
            ledger_pb2.AllocateFundsRequest(
                request_id=request_id("allocate"), from_unit_code="sd",
                to_unit_code="sd.jn",
                fund_source=events_pb2.FUND_SOURCE_DONATIONS,
                amount_fen=fen // 2))
        return allocated.result.first_sequence

    def assertRelief(self, error: ReliefError, code: grpc.StatusCode,
                     reason: str) -> None:
        self.assertEqual((error.code, error.reason), (code, reason), str(error))

    def assertExactlyOnce(self, events: List[Event], first: int,
                          last: int) -> None:
        self.assertEqual([e.sequence for e in events],
                         list(range(first, last + 1)),
                         "a gap, a duplicate or out of order")


class QueryTest(ReliefdTestCase):
    def test_balance_and_fund_summary(self) -> None:
        last = self.move_money(123456)  # ¥1,234.56 in, ¥617.28 down
        finance = self.finance()

        pool = finance.balance("sd/donations/pool", min_sequence=last)
        self.assertEqual(pool.account, "sd/donations/pool")
        self.assertEqual(pool.fund_source, "donations")
        self.assertEqual(pool.posted_credits_fen, 123456)
        self.assertEqual(pool.posted_debits_fen, 61728)
        self.assertEqual(pool.available_fen, 61728)
        self.assertEqual(pool.posted_balance_fen, 61728)
        self.assertEqual(pool.last_sequence, last)
        self.assertGreaterEqual(pool.as_of_sequence, last)
        self.assertEqual(format_yuan(pool.posted_credits_fen), "1,234.56")
        self.assertEqual(format_yuan(pool.available_fen), "617.28")
        child = finance.balance("sd.jn/donations/pool", min_sequence=last)
        self.assertEqual(child.available_fen, 61728)
        # As of the event before the allocation: all of it still in sd.
        before = finance.balance("sd/donations/pool", as_of_sequence=last - 1)
        self.assertEqual(before.available_fen, 123456)
        self.assertEqual(before.as_of_sequence, last - 1)

        summary = finance.fund_summary("sd", min_sequence=last)
        self.assertEqual([r.fund_source for r in summary.rows],
                         ["federation", "government", "donations",
                          "own_funds"])
        self.assertEqual(summary.units, 1)
        donations = summary.row("donations")
        self.assertEqual(donations.unit_code, "sd")
        self.assertEqual(donations.received_fen, 123456)
        self.assertEqual(donations.allocated_down_fen, 61728)
        self.assertEqual(donations.available_fen, 61728)
        self.assertEqual(summary.row("federation").available_fen, 0)
        tree = finance.fund_summary("sd", subtree=True, min_sequence=last)
        self.assertEqual(tree.units, 3)
        self.assertEqual(tree.row("donations").allocated_in_fen, 61728)
        self.assertEqual(tree.available_fen, 123456)
        self.assertEqual(
            finance.fund_summary("sd", as_of_sequence=last - 1).available_fen,
            123456)

        with self.assertRaises(ReliefError) as caught:
            finance.balance("sd.qd/donations/pool", min_sequence=last)
        self.assertRelief(caught.exception, grpc.StatusCode.NOT_FOUND,
                          "ACCOUNT_NOT_FOUND")
        with self.assertRaises(ReliefError) as caught:
            finance.balance("sd/donations/nonsense")
        self.assertRelief(caught.exception, grpc.StatusCode.INVALID_ARGUMENT,
                          "ACCOUNT_INVALID")
        with self.assertRaises(ReliefError) as caught:
            finance.balance("sd/donations/pool", min_sequence=last + 100)
        self.assertRelief(caught.exception, grpc.StatusCode.OUT_OF_RANGE,
                          "MIN_SEQUENCE_NOT_REACHED")
        with self.assertRaises(ReliefError) as caught:
            self.client("not-a-token").balance("sd/donations/pool")
        self.assertEqual(caught.exception.code,
                         grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(caught.exception.reason, "TOKEN_UNKNOWN")

    def test_read_events_ranges_and_filters(self) -> None:
        self.move_money(100000)
        self.move_money(40000)
        admin = self.admin()
        head = admin.head_sequence()
        base = self.base
        self.assertEqual(head, base + 4)  # 4 money events

        everything = list(admin.read_events())
        self.assertExactlyOnce(everything, 1, head)
        self.assertEqual([e.type for e in everything[:base]],
                         ["token_issued"] + ["org_unit_registered"] * 3 +
                         ["token_issued"] * 2)
        jn_registered = everything[2].sequence
        self.assertEqual(everything[2].payload.code, "sd.jn")
        money = [e for e in everything if e.is_money]
        self.assertEqual([e.sequence for e in money],
                         [base + 1, base + 2, base + 3, base + 4])
        self.assertEqual(money[0].type, "funds_received")
        self.assertEqual(money[0].payload.unit_code, "sd")
        self.assertEqual(money[0].actor, "cai.wu")
        self.assertEqual(
            [(p.debit_account, p.credit_account, p.amount_fen)
             for p in money[1].postings],
            [("sd/donations/pool", "sd.jn/donations/pool", 50000)])
        self.assertLessEqual(everything[0].recorded_at_unix_micros,
                             everything[-1].recorded_at_unix_micros)

        allocations = list(admin.read_events(event_types=["funds_allocated"]))
        self.assertEqual([e.sequence for e in allocations],
                         [base + 2, base + 4])
        self.assertTrue(all(e.type == "funds_allocated" for e in allocations))
        qd = list(admin.read_events(unit="sd.qd"))
        self.assertEqual([(e.type, e.payload.code) for e in qd],
                         [("org_unit_registered", "sd.qd")])
        self.assertEqual([e.sequence for e in admin.read_events(unit="sd.jn")],
                         [jn_registered, base + 2, base + 4])
        self.assertEqual(
            len(list(admin.read_events(unit="sd", subtree=True))), 3 + 4)
        self.assertEqual(
            [e.sequence for e in admin.read_events(
                event_types=["funds_received"], unit="sd.jn")], [])

        # A range, and its progress for resuming.
        stream = admin.read_events(from_sequence=3, to_sequence=5)
        self.assertEqual([e.sequence for e in stream], [3, 4, 5])
        self.assertEqual(stream.scanned_through_sequence, 5)
        resumed = admin.read_events(
            from_sequence=stream.scanned_through_sequence + 1)
        self.assertExactlyOnce(list(resumed), 6, head)
        # A time range: recorded before the 4th event.
        cutoff = everything[3].recorded_at_unix_micros
        early = list(admin.read_events(to_unix_micros=cutoff))
        self.assertLessEqual(len(early), 3)
        self.assertTrue(all(e.recorded_at_unix_micros < cutoff for e in early))

        with self.assertRaises(ReliefError) as caught:
            list(admin.read_events(event_types=["money_moved"]))
        self.assertRelief(caught.exception, grpc.StatusCode.INVALID_ARGUMENT,
                          "FIELD_INVALID")
        self.assertIn("funds_received", caught.exception.details)
        with self.assertRaises(ReliefError) as caught:
            list(admin.read_events(from_sequence=5, to_sequence=2))
        self.assertEqual(caught.exception.code,
                         grpc.StatusCode.INVALID_ARGUMENT)
        with self.assertRaises(ReliefError) as caught:
            list(self.finance().read_events())
        self.assertRelief(caught.exception, grpc.StatusCode.PERMISSION_DENIED,
                          "ROLE_REQUIRED")


class SubscribeTest(ReliefdTestCase):
    def test_catches_up_then_follows_live(self) -> None:
        self.move_money(100000)
        head = self.admin().head_sequence()
        service = self.service()
        everything = Collector(service.subscribe())
        self.addCleanup(everything.stop)
        allocations_to_jn = Collector(service.subscribe(
            after_sequence=head, event_types=["funds_allocated"], unit="sd.jn"))
        self.addCleanup(allocations_to_jn.stop)
        everything.wait_through(head)

        # Written from another thread while subscribed: arrive in order.
        errors: List[BaseException] = []

        def write() -> None:
            try:
                finance = Client(self.server.address, self.finance_token)
                with finance:
                    for i in range(10):
                        self.move_money(1000 + i, finance)
            except BaseException as error:
                errors.append(error)

        writer = threading.Thread(target=write)
        writer.start()
        everything.wait_through(head + 20)
        writer.join(WAIT)
        self.assertEqual(errors, [])
        everything.stop()
        self.assertExactlyOnce(everything.events, 1, head + 20)
        self.assertEqual(everything.subscription.reconnects, 0)
        self.assertEqual(everything.subscription.duplicates_dropped, 0)
        self.assertGreaterEqual(
            everything.subscription.scanned_through_sequence, head + 20)
        self.assertEqual(
            [e.payload.amount_fen for e in everything.events
             if e.type == "funds_received"][1:],
            [1000 + i for i in range(10)])

        allocations_to_jn.wait_for(lambda events: len(events) == 10,
                                   "10 allocations")
        self.assertEqual([e.sequence for e in allocations_to_jn.events],
                         list(range(head + 2, head + 21, 2)))
        self.assertTrue(all(e.type == "funds_allocated" and
                            e.payload.to_unit_code == "sd.jn"
                            for e in allocations_to_jn.events))

    def test_resumes_across_restart_and_crash(self) -> None:
        self.move_money(100000)
        head = self.admin().head_sequence()
        reconnects: List[ReliefError] = []
        collector = Collector(self.service().subscribe(
            initial_backoff=0.02, max_backoff=0.5,
            on_reconnect=lambda error, delay: reconnects.append(error)))
        self.addCleanup(collector.stop)
        collector.wait_through(head)

        # A graceful restart on the same address: the stream ends with
        # UNAVAILABLE / SHUTTING_DOWN and resumes; events written after it
        # arrive once.
        self.server.restart(same_port=True)
        self.move_money(5000)
        collector.wait_through(head + 2)
        # A crash (SIGKILL) with events written while the server is down
        # for the subscriber: also resumed, nothing lost or repeated.
        self.move_money(6000)
        self.server.restart(same_port=True, crash=True)
        self.move_money(7000)
        collector.wait_through(head + 6)

        collector.stop()
        self.assertExactlyOnce(collector.events, 1, head + 6)
        subscription = collector.subscription
        self.assertGreaterEqual(subscription.reconnects, 2)
        self.assertEqual(subscription.duplicates_dropped, 0)
        self.assertTrue(reconnects)
        # UNAVAILABLE: SHUTTING_DOWN from the stopping server, or the
        # connection lost; CANCELLED: a resumed call the stopping server
        # cancelled before serving it.
        self.assertTrue(all(e.code in (grpc.StatusCode.UNAVAILABLE,
                                       grpc.StatusCode.CANCELLED)
                            for e in reconnects), reconnects)

    def test_refusals_are_raised_not_retried(self) -> None:
        with self.assertRaises(ReliefError) as caught:
            next(self.finance().subscribe())
        self.assertRelief(caught.exception, grpc.StatusCode.PERMISSION_DENIED,
                          "ROLE_REQUIRED")
        head = self.admin().head_sequence()
        subscription = self.service().subscribe(after_sequence=head + 1000)
        with self.assertRaises(ReliefError) as caught:
            next(subscription)
        self.assertRelief(caught.exception, grpc.StatusCode.OUT_OF_RANGE,
                          "MIN_SEQUENCE_NOT_REACHED")
        self.assertEqual(subscription.reconnects, 0)
        with self.assertRaises(ReliefError) as caught:
            next(self.service().subscribe(event_types=["money_moved"]))
        self.assertRelief(caught.exception, grpc.StatusCode.INVALID_ARGUMENT,
                          "FIELD_INVALID")


class SlowSubscriberTest(ReliefdTestCase):
    extra_args = ("--subscriber-max-lag", "50")

    def test_ended_for_lag_and_resumed(self) -> None:
        head = self.admin().head_sequence()
        collector = Collector(self.service().subscribe(initial_backoff=0.02))
        self.addCleanup(collector.stop)
        collector.wait_through(head)
        # Caught up; 200 events land at once: the server ends the stream
        # (RESOURCE_EXHAUSTED / SUBSCRIBER_TOO_SLOW) and the client resumes.
        finance = self.finance()
        batch = ledger_pb2.SubmitCommandsRequest()
        for i in range(200):
            batch.commands.add().receive_funds.CopyFrom(
                ledger_pb2.ReceiveFundsRequest(
                    request_id=request_id("r"), unit_code="sd.qd",
                    fund_source=events_pb2.FUND_SOURCE_OWN_FUNDS,
                    amount_fen=100 + i, payer="本级经费"))
        finance.invoke(finance.ledger.SubmitCommands, batch)
        collector.wait_through(head + 200)
        collector.stop()
        self.assertExactlyOnce(collector.events, 1, head + 200)
        self.assertGreaterEqual(collector.subscription.reconnects, 1)


class RolesTest(ReliefdTestCase):
    def test_service_queries_and_subscribes_but_cannot_command(self) -> None:
        last = self.move_money(100000)
        service = self.service()
        self.assertEqual(
            service.balance("sd.jn/donations/pool",
                            min_sequence=last).available_fen, 50000)
        self.assertEqual(service.fund_summary(
            "sd", subtree=True, min_sequence=last).available_fen, 100000)
        self.assertEqual(len(list(service.read_events(unit="sd.jn"))), 2)
        with service.subscribe(event_types=["funds_received"]) as subscription:
            first = next(subscription)
        self.assertEqual((first.sequence, first.type),
                         (self.base + 1, "funds_received"))

        head = self.admin().head_sequence()
        commands = [
            (service.ledger.ReceiveFunds, ledger_pb2.ReceiveFundsRequest(
                request_id=request_id("r"), unit_code="sd",
                fund_source=events_pb2.FUND_SOURCE_DONATIONS,
                amount_fen=100, payer="x")),
            (service.ledger.AllocateFunds, ledger_pb2.AllocateFundsRequest(
                request_id=request_id("a"), from_unit_code="sd",
                to_unit_code="sd.jn",
                fund_source=events_pb2.FUND_SOURCE_DONATIONS, amount_fen=100)),
            (service.ledger.RegisterOrgUnit, ledger_pb2.RegisterOrgUnitRequest(
                request_id=request_id("o"), code="sd.wf", name_zh="潍坊",
                level=events_pb2.ORG_LEVEL_CITY, parent_code="sd")),
        ]
        for method, request in commands:
            with self.subTest(command=type(request).__name__):
                with self.assertRaises(ReliefError) as caught:
                    service.invoke(method, request)
                self.assertRelief(caught.exception,
                                  grpc.StatusCode.PERMISSION_DENIED,
                                  "ROLE_REQUIRED")
        self.assertEqual(self.admin().head_sequence(), head)

        # A monitoring agent with a service token reads the metrics: the
        # three refusals above are counted by code.
        metrics = service.metrics()
        refused = {m.method: {r.code: r.count for r in m.results}
                   for m in metrics.commands}
        self.assertEqual(refused["relief.v1.LedgerService/AllocateFunds"]
                         .get("PERMISSION_DENIED"), 1)
        self.assertTrue(metrics.serving)
        self.assertEqual(metrics.head_sequence, head)


class ExampleTest(ReliefdTestCase):
    def test_balance_watcher_prints_balances_then_live_money_events(self) -> None:
        before = self.move_money(123456)
        token_file = os.path.join(self.server.root_dir, "service.token")
        with open(os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600),
                  "w") as f:
            f.write(self.service_token + "\n")
        watcher = subprocess.Popen(
            [sys.executable, EXAMPLE, "--address", self.server.address,
             "--token-file", token_file, "--unit", "sd", "--max-events", "2"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def reap() -> None:
            if watcher.poll() is None:
                watcher.kill()
            watcher.wait(WAIT)
            if watcher.stdout is not None:
                watcher.stdout.close()

        self.addCleanup(reap)
        lines: "queue.Queue[Optional[str]]" = queue.Queue()

        def pump() -> None:
            assert watcher.stdout is not None
            for line in watcher.stdout:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        output: List[str] = []

        def read_until(prefix: str) -> None:
            deadline = time.monotonic() + WAIT
            while True:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
                if line is None:
                    self.fail(f"watcher ended before {prefix!r}:\n" +
                              "\n".join(output))
                output.append(line)
                if line.startswith(prefix):
                    return

        read_until("following sd")
        balances = "\n".join(output)
        self.assertIn(f"sd: balances as of event #{before}", balances)
        self.assertRegex(balances, r"donations +1,234\.56 .* 617\.28")

        last = self.move_money(40000)  # ¥400.00 in, ¥200.00 down to sd.jn
        self.assertEqual(watcher.wait(WAIT), 0, "\n".join(output))
        while (line := lines.get(timeout=WAIT)) is not None:
            output.append(line)
        live = "\n".join(
            output[output.index(f"following sd after event #{before}"):])
        self.assertRegex(live, rf"#{before + 1} .* funds_received +by cai\.wu")
        self.assertIn("400.00  donations   external/donations -> "
                      "sd/donations/pool", live)
        self.assertIn("available: donations 1,017.28", live)
        self.assertRegex(live, rf"#{last} .* funds_allocated +by cai\.wu")
        self.assertIn("available: donations 817.28", live)
        self.assertEqual(
            self.service().balance("sd/donations/pool",
                                   min_sequence=last).available_fen, 81728)


if __name__ == "__main__":
    unittest.main()
