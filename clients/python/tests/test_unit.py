"""reliefclient without a server (ctest: python_client_unit): yuan
formatting, errors, the event view, and the subscription's resume logic
against a fake stub."""

from __future__ import annotations

import unittest
from typing import List

import grpc

from relief.v1 import audit_service_pb2 as audit_pb2
from relief.v1 import events_pb2
from reliefclient import (Event, ReliefError, format_yuan, fund_source_slug,
                          parse_yuan)
from reliefclient.client import Subscription


class MoneyTest(unittest.TestCase):
    def test_format_yuan(self) -> None:
        cases = {0: "0.00", 5: "0.05", 100: "1.00", 123456: "1,234.56",
                 -123456: "-1,234.56", -5: "-0.05", 100000000: "1,000,000.00",
                 1_000_000_000_000: "10,000,000,000.00",
                 2 ** 63 - 1: "92,233,720,368,547,758.07"}
        for fen, text in cases.items():
            self.assertEqual(format_yuan(fen), text)
            self.assertEqual(parse_yuan(text), fen)

    def test_never_a_float(self) -> None:
        for bad in (1.5, 100.0, True, "100", None):
            with self.assertRaises(TypeError):
                format_yuan(bad)  # type: ignore[arg-type]

    def test_parse_yuan(self) -> None:
        self.assertEqual(parse_yuan("12"), 1200)
        self.assertEqual(parse_yuan("12.3"), 1230)
        self.assertEqual(parse_yuan(" 1234.56 "), 123456)
        self.assertEqual(parse_yuan("0.1"), 10)
        for bad in ("", "1.234", "1,23.00", "12,34", "¥1", "1e3", "--1",
                    "1.", ".5", "1,234,5"):
            with self.assertRaises(ValueError, msg=bad):
                parse_yuan(bad)


class FakeRpcError(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str,
                 reason: str = "") -> None:
        super().__init__(details)
        self._code, self._details = code, details
        self._trailers = (("relief-reason", reason),) if reason else ()

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple:
        return self._trailers


class ErrorTest(unittest.TestCase):
    def test_reason_from_trailers_or_message(self) -> None:
        error = ReliefError.from_rpc_error(FakeRpcError(
            grpc.StatusCode.PERMISSION_DENIED, "ROLE_REQUIRED: no", "ROLE_REQUIRED"))
        self.assertEqual(error.code, grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(error.reason, "ROLE_REQUIRED")
        self.assertEqual(str(error), "PERMISSION_DENIED ROLE_REQUIRED: ROLE_REQUIRED: no")
        prefixed = ReliefError.from_rpc_error(FakeRpcError(
            grpc.StatusCode.NOT_FOUND, "ORG_UNIT_NOT_FOUND: no unit 'x'"))
        self.assertEqual(prefixed.reason, "ORG_UNIT_NOT_FOUND")
        plain = ReliefError.from_rpc_error(FakeRpcError(
            grpc.StatusCode.UNAVAILABLE, "failed to connect to all addresses"))
        self.assertEqual(plain.reason, "")


def envelope(sequence: int, fen: int = 100) -> events_pb2.EventEnvelope:
    e = events_pb2.EventEnvelope(sequence=sequence,
                                 recorded_at_unix_micros=1_700_000_000_000_000)
    e.event.funds_received.unit_code = "sd"
    e.event.funds_received.postings.add(
        debit_account="external/donations", credit_account="sd/donations/pool",
        amount_fen=fen, fund_source=events_pb2.FUND_SOURCE_DONATIONS)
    return e


class EventTest(unittest.TestCase):
    def test_view(self) -> None:
        event = Event(envelope(7, 250))
        self.assertEqual((event.sequence, event.type), (7, "funds_received"))
        self.assertTrue(event.is_money)
        self.assertEqual(event.postings[0].amount_fen, 250)
        self.assertEqual(event.recorded_at.year, 2023)
        self.assertEqual(fund_source_slug(event.postings[0].fund_source),
                         "donations")
        unit = events_pb2.EventEnvelope(sequence=1)
        unit.event.org_unit_registered.code = "sd"
        self.assertFalse(Event(unit).is_money)
        self.assertEqual(Event(unit).payload.code, "sd")
        self.assertEqual(Event(events_pb2.EventEnvelope()).type, "")


class FakeCall:
    """A Subscribe stream: some responses, then an error (or the end)."""

    def __init__(self, responses: List[audit_pb2.SubscribeResponse],
                 error: grpc.RpcError = None) -> None:
        self.responses, self.error, self.cancelled = responses, error, False

    def __iter__(self):
        for response in self.responses:
            yield response
        if self.error is not None:
            raise self.error

    def cancel(self) -> None:
        self.cancelled = True


class FakeClient:
    metadata = (("authorization", "Bearer t"),)

    def __init__(self, calls: List[FakeCall]) -> None:
        self.calls = calls
        self.requests: List[audit_pb2.SubscribeRequest] = []
        self.audit = self

    def Subscribe(self, request, metadata, wait_for_ready=None):
        self.requests.append(request)
        return self.calls.pop(0)


def response(sequence: int, event: bool = True,
             head: int = 0) -> audit_pb2.SubscribeResponse:
    r = audit_pb2.SubscribeResponse(scanned_through_sequence=sequence,
                                    head_sequence=head or sequence)
    if event:
        r.event.CopyFrom(envelope(sequence))
    return r


def subscription(client: FakeClient, after: int = 0, **kwargs) -> Subscription:
    options = dict(initial_backoff=0.0, max_backoff=0.0, max_retries=None,
                   on_reconnect=None)
    options.update(kwargs)
    return Subscription(client, after, audit_pb2.EventFilter(), **options)


class SubscriptionTest(unittest.TestCase):
    def test_resumes_from_the_last_scanned_sequence(self) -> None:
        unavailable = FakeRpcError(grpc.StatusCode.UNAVAILABLE,
                                   "SHUTTING_DOWN: stopping", "SHUTTING_DOWN")
        too_slow = FakeRpcError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                                "behind", "SUBSCRIBER_TOO_SLOW")
        client = FakeClient([
            FakeCall([response(3), response(4), response(6, event=False)],
                     unavailable),
            FakeCall([], unavailable),  # the server is not back yet
            # Cancelled by the server (not by close()): resumed too.
            FakeCall([], FakeRpcError(grpc.StatusCode.CANCELLED, "CANCELLED")),
            # A repeated event (must not be handed out twice), then more.
            FakeCall([response(6), response(7), response(8)], too_slow),
            FakeCall([response(9)], FakeRpcError(
                grpc.StatusCode.PERMISSION_DENIED, "revoked", "ROLE_REQUIRED")),
        ])
        reconnects = []
        sub = subscription(client, after=2,
                           on_reconnect=lambda e, d: reconnects.append(e.reason))
        seen = []
        with self.assertRaises(ReliefError) as caught:
            for event in sub:
                seen.append(event.sequence)
        self.assertEqual(caught.exception.reason, "ROLE_REQUIRED")
        self.assertEqual(seen, [3, 4, 7, 8, 9])
        self.assertEqual([r.after_sequence for r in client.requests],
                         [2, 6, 6, 6, 8])
        self.assertEqual(reconnects,
                         ["SHUTTING_DOWN", "SHUTTING_DOWN", "",
                          "SUBSCRIBER_TOO_SLOW"])
        self.assertEqual(sub.reconnects, 4)
        self.assertEqual(sub.duplicates_dropped, 1)
        self.assertEqual(sub.scanned_through_sequence, 9)

    def test_max_retries(self) -> None:
        down = FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down")
        client = FakeClient([FakeCall([], down) for _ in range(3)])
        with self.assertRaises(ReliefError) as caught:
            next(subscription(client, max_retries=2))
        self.assertEqual(caught.exception.code, grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(len(client.requests), 3)

    def test_close_ends_the_iteration(self) -> None:
        client = FakeClient([FakeCall([response(1), response(2)])])
        sub = subscription(client)
        self.assertEqual(next(sub).sequence, 1)
        sub.close()
        # The buffered response may still come; then the iteration ends.
        self.assertLessEqual(len(list(sub)), 1)
        self.assertEqual(len(client.requests), 1)


if __name__ == "__main__":
    unittest.main()
