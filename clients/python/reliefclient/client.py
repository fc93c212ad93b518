"""A thin client for reliefd over gRPC.

    from reliefclient import Client, format_yuan

    with Client("127.0.0.1:50051", token) as client:
        print(format_yuan(client.balance("sd/donations/pool").available_fen))
        for event in client.subscribe(after_sequence=0, unit="sd"):
            print(event.sequence, event.type)

Only a few helpers are wrapped; every other RPC is reachable through the
generated stubs `client.ledger`, `client.query`, `client.audit` with
`client.invoke(stub_method, request)`, which adds the token and a deadline
and raises ReliefError.
"""

from __future__ import annotations

import datetime as _dt
import random
import threading
from dataclasses import dataclass
from typing import (Any, Callable, Iterable, Iterator, List, Optional,
                    Sequence, Union)

import grpc

from .errors import ReliefError

try:
    from relief.v1 import audit_service_pb2 as audit_pb2
    from relief.v1 import audit_service_pb2_grpc as audit_grpc
    from relief.v1 import events_pb2
    from relief.v1 import ledger_service_pb2_grpc as ledger_grpc
    from relief.v1 import query_service_pb2 as query_pb2
    from relief.v1 import query_service_pb2_grpc as query_grpc
except ImportError as error:  # pragma: no cover - a setup problem
    raise ImportError(
        "reliefclient needs the modules generated from proto/ (relief.v1.*): "
        "build the relief_python_client target and put "
        "<build>/clients/python/gen on PYTHONPATH") from error

__all__ = [
    "Balance", "Client", "Event", "EventStream", "FundSummary",
    "FundSummaryRow", "Subscription", "Tls", "FUND_SOURCE_SLUGS",
    "fund_source_slug",
]

# Account-name slug of each fund source (docs/formats.md).
FUND_SOURCE_SLUGS = {
    events_pb2.FUND_SOURCE_FEDERATION_ALLOCATION: "federation",
    events_pb2.FUND_SOURCE_GOVERNMENT_MATCHING: "government",
    events_pb2.FUND_SOURCE_DONATIONS: "donations",
    events_pb2.FUND_SOURCE_OWN_FUNDS: "own_funds",
}


def fund_source_slug(fund_source: int) -> str:
    """FundSource enum value → "federation", "government", "donations",
    "own_funds" ("" for UNSPECIFIED)."""
    return FUND_SOURCE_SLUGS.get(fund_source, "")


@dataclass(frozen=True)
class Tls:
    """TLS to reliefd (started with --tls-cert/--tls-key). `ca_file`: the
    CA that signed the server (None: the system roots); `cert_file` and
    `key_file`: a client certificate when the server has --client-ca;
    `server_name`: override the name checked against the certificate."""
    ca_file: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None
    server_name: Optional[str] = None


TlsArg = Union[None, bool, Tls, grpc.ChannelCredentials]


@dataclass(frozen=True)
class Balance:
    """One account (GetBalance), amounts in fen."""
    account: str
    fund_source: str                # slug: "donations", ...
    posted_debits_fen: int          # out
    posted_credits_fen: int         # in
    pending_debits_fen: int         # reserved to go out
    pending_credits_fen: int
    available_fen: int              # credits - debits - pending debits
    last_sequence: int              # the account's last posting
    as_of_sequence: int             # the log point the answer reflects

    @property
    def posted_balance_fen(self) -> int:
        return self.posted_credits_fen - self.posted_debits_fen


@dataclass(frozen=True)
class FundSummaryRow:
    """One fund source of a unit (or subtree), amounts in fen."""
    unit_code: str
    fund_source: str
    received_fen: int
    goods_received_fen: int
    allocated_in_fen: int
    allocated_down_fen: int
    granted_fen: int
    reserved_fen: int
    lent_fen: int
    repaid_fen: int
    written_off_fen: int
    available_fen: int
    interest_fen: int
    recovered_fen: int


@dataclass(frozen=True)
class FundSummary:
    rows: List[FundSummaryRow]      # all four sources, in enum order
    as_of_sequence: int
    units: int                      # how many units were summed

    def row(self, fund_source: str) -> FundSummaryRow:
        """The row of a source slug ("donations")."""
        for row in self.rows:
            if row.fund_source == fund_source:
                return row
        raise KeyError(fund_source)

    @property
    def available_fen(self) -> int:
        return sum(row.available_fen for row in self.rows)


class Event:
    """One event of the log, decoded: a read-only view of an EventEnvelope."""

    __slots__ = ("envelope",)

    def __init__(self, envelope: events_pb2.EventEnvelope) -> None:
        self.envelope = envelope

    @property
    def sequence(self) -> int:
        return self.envelope.sequence

    @property
    def recorded_at_unix_micros(self) -> int:
        return self.envelope.recorded_at_unix_micros

    @property
    def recorded_at(self) -> _dt.datetime:
        """When the writer recorded it (UTC)."""
        return (_dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc) +
                _dt.timedelta(microseconds=self.recorded_at_unix_micros))

    @property
    def actor(self) -> str:
        return self.envelope.actor

    @property
    def request_id(self) -> str:
        return self.envelope.request_id

    @property
    def type(self) -> str:
        """The Event `kind`: "funds_received", "grant_posted", ..."""
        return self.envelope.event.WhichOneof("kind") or ""

    @property
    def payload(self) -> Any:
        """The message of that kind (e.g. a FundsReceived), or None."""
        kind = self.type
        return getattr(self.envelope.event, kind) if kind else None

    @property
    def postings(self) -> Sequence[events_pb2.Posting]:
        """The double-entry postings of a money event (else empty)."""
        payload = self.payload
        if payload is None or "postings" not in payload.DESCRIPTOR.fields_by_name:
            return ()
        return payload.postings

    @property
    def is_money(self) -> bool:
        return len(self.postings) > 0

    def __repr__(self) -> str:
        return f"Event(sequence={self.sequence}, type={self.type!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Event) and self.envelope == other.envelope

    def __hash__(self) -> int:
        return hash((self.sequence, self.envelope.hash))


def _filter(event_types: Iterable[str], unit: Optional[str], subtree: bool,
            dossier_id: Optional[str],
            loan_id: Optional[str]) -> audit_pb2.EventFilter:
    return audit_pb2.EventFilter(
        event_types=list(event_types), unit_code=unit or "", subtree=subtree,
        dossier_id=dossier_id or "", loan_id=loan_id or "")


def _log_point(sequence: Optional[int],
               unix_micros: Optional[int]) -> Optional[query_pb2.LogPoint]:
    if sequence is None and unix_micros is None:
        return None
    return query_pb2.LogPoint(sequence=sequence or 0,
                              unix_micros=unix_micros or 0)


class EventStream:
    """The events of AuditService.ReadEvents, oldest first (an iterator).

    `scanned_through_sequence`: every event up to it was considered; after
    an error, read again from it + 1. `close()` cancels the call.
    """

    def __init__(self, call: Any) -> None:
        self._call = call
        self.scanned_through_sequence = 0
        self._events = self._run()

    def _run(self) -> Iterator[Event]:
        try:
            for response in self._call:
                self.scanned_through_sequence = response.scanned_through_sequence
                if response.HasField("event"):
                    yield Event(response.event)
        except grpc.RpcError as error:
            raise ReliefError.from_rpc_error(error) from None
        finally:
            self._call.cancel()

    def __iter__(self) -> "EventStream":
        return self

    def __next__(self) -> Event:
        return next(self._events)

    def close(self) -> None:
        self._call.cancel()

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_resumable(error: ReliefError) -> bool:
    """The server went away (restart, network), cancelled the call itself
    (a server shutting down cancels a call it has not started serving; a
    cancel from this side is told apart before this is asked) or ended a
    subscriber that fell behind: all are resumed from the last scanned
    sequence."""
    return (error.code in (grpc.StatusCode.UNAVAILABLE,
                           grpc.StatusCode.CANCELLED) or
            (error.code == grpc.StatusCode.RESOURCE_EXHAUSTED and
             error.reason == "SUBSCRIBER_TOO_SLOW"))


class Subscription:
    """AuditService.Subscribe, resumed transparently: an iterator of Events,
    in order, with no gap and no duplicate, that never ends on its own.

    When the stream fails with UNAVAILABLE (the server stopped or restarted,
    the network dropped), CANCELLED not asked for by close() (a server
    shutting down may cancel a call it has not started serving) or
    RESOURCE_EXHAUSTED / SUBSCRIBER_TOO_SLOW, it
    calls Subscribe again with after_sequence = the last
    `scanned_through_sequence` received, after a backoff (initial_backoff,
    doubling up to max_backoff, with jitter; reset once a message arrives).
    `max_retries` consecutive failed attempts (None: no limit) end it with
    the last ReliefError. Any other error is raised at once.

    `close()` (from any thread) ends the iteration (StopIteration).
    Attributes: scanned_through_sequence, head_sequence (the head when the
    last message was sent), reconnects (how many times it resumed),
    duplicates_dropped (events at or below scanned_through_sequence that
    were skipped; the server should send none).
    """

    def __init__(self, client: "Client", after_sequence: int,
                 event_filter: audit_pb2.EventFilter, *,
                 initial_backoff: float, max_backoff: float,
                 max_retries: Optional[int],
                 on_reconnect: Optional[Callable[[ReliefError, float], None]]
                 ) -> None:
        self._client = client
        self._filter = event_filter
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._max_retries = max_retries
        self._on_reconnect = on_reconnect
        self.scanned_through_sequence = after_sequence
        self.head_sequence = 0
        self.reconnects = 0
        self.duplicates_dropped = 0
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._call: Any = None
        self._events = self._run()

    @property
    def caught_up(self) -> bool:
        """Everything up to the head (as of the last message) was scanned."""
        return (self.head_sequence > 0 and
                self.scanned_through_sequence >= self.head_sequence)

    def _run(self) -> Iterator[Event]:
        backoff = self._initial_backoff
        failures = 0
        while not self._closed.is_set():
            request = audit_pb2.SubscribeRequest(
                after_sequence=self.scanned_through_sequence,
                filter=self._filter)
            # wait_for_ready: while the server is down the call waits for
            # the channel to reconnect (gRPC's own backoff, 0.1 s to 5 s)
            # instead of failing at once; failing calls in a loop keep the
            # channel from ever completing a connection.
            call = self._client.audit.Subscribe(
                request, metadata=self._client.metadata, wait_for_ready=True)
            with self._lock:
                self._call = call
            if self._closed.is_set():
                call.cancel()
            error: Optional[ReliefError] = None
            try:
                for response in call:
                    failures = 0
                    backoff = self._initial_backoff
                    self.head_sequence = response.head_sequence
                    scanned = response.scanned_through_sequence
                    if response.HasField("event"):
                        if response.event.sequence <= self.scanned_through_sequence:
                            # Never hand out an event twice (the server
                            # promises not to send one; counted to see).
                            self.duplicates_dropped += 1
                            continue
                        self.scanned_through_sequence = max(
                            self.scanned_through_sequence, scanned)
                        yield Event(response.event)
                    else:
                        self.scanned_through_sequence = max(
                            self.scanned_through_sequence, scanned)
            except grpc.RpcError as rpc_error:
                if self._closed.is_set():
                    return
                error = ReliefError.from_rpc_error(rpc_error)
                if not _is_resumable(error):
                    raise error from None
            finally:
                with self._lock:
                    self._call = None
                call.cancel()
            if self._closed.is_set():
                return
            if error is None:  # the server never ends a subscription cleanly
                error = ReliefError(grpc.StatusCode.UNAVAILABLE, "",
                                    "the subscription ended")
            failures += 1
            if self._max_retries is not None and failures > self._max_retries:
                raise error
            delay = backoff * random.uniform(0.5, 1.0)
            backoff = min(backoff * 2, self._max_backoff)
            if self._on_reconnect is not None:
                self._on_reconnect(error, delay)
            if self._closed.wait(delay):
                return
            self.reconnects += 1

    def __iter__(self) -> "Subscription":
        return self

    def __next__(self) -> Event:
        return next(self._events)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            call = self._call
        if call is not None:
            call.cancel()

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_file(path: Optional[str]) -> Optional[bytes]:
    if path is None:
        return None
    with open(path, "rb") as f:
        return f.read()


def _credentials(tls: TlsArg) -> tuple:
    """(credentials or None, extra channel options)."""
    if tls is None or tls is False:
        return None, []
    if isinstance(tls, grpc.ChannelCredentials):
        return tls, []
    if tls is True:
        tls = Tls()
    if not isinstance(tls, Tls):
        raise TypeError(f"tls must be None, True, a Tls or grpc.ChannelCredentials, "
                        f"not {type(tls).__name__}")
    if (tls.cert_file is None) != (tls.key_file is None):
        raise ValueError("Tls: cert_file and key_file go together")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read_file(tls.ca_file),
        private_key=_read_file(tls.key_file),
        certificate_chain=_read_file(tls.cert_file))
    options = []
    if tls.server_name:
        options.append(("grpc.ssl_target_name_override", tls.server_name))
    return credentials, options


class Client:
    """A connection to reliefd with one bearer token.

    address: "host:port". token: the bearer token (reliefctl's token files
    hold one; see Client.from_token_file). tls: None for plain text (reliefd
    accepts it on loopback only), True for TLS with the system roots, a Tls,
    or grpc.ChannelCredentials. timeout: the deadline of unary calls, in
    seconds. Thread-safe; close() (or `with`) releases the channel.
    """

    def __init__(self, address: str, token: str, tls: TlsArg = None, *,
                 timeout: float = 30.0,
                 options: Sequence[tuple] = ()) -> None:
        if not token:
            raise ValueError("a bearer token is required")
        credentials, tls_options = _credentials(tls)
        channel_options = [
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            # A Client is its own connection: channels of one process share
            # connections otherwise, and a new Client would inherit another's
            # reconnect backoff (failing fast for seconds after a restart).
            ("grpc.use_local_subchannel_pool", 1),
            # Reconnect promptly once a restarted server is back.
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.min_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 5000),
        ] + tls_options + list(options)
        if credentials is None:
            self._channel = grpc.insecure_channel(address, channel_options)
        else:
            self._channel = grpc.secure_channel(address, credentials,
                                                channel_options)
        self.address = address
        self.timeout = timeout
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.ledger = ledger_grpc.LedgerServiceStub(self._channel)
        self.query = query_grpc.QueryServiceStub(self._channel)
        self.audit = audit_grpc.AuditServiceStub(self._channel)

    @classmethod
    def from_token_file(cls, address: str, path: str, tls: TlsArg = None,
                        **kwargs: Any) -> "Client":
        with open(path, encoding="utf-8") as f:
            return cls(address, f.read().strip(), tls, **kwargs)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def invoke(self, method: Callable[..., Any], request: Any, *,
               timeout: Optional[float] = None) -> Any:
        """Calls a unary method of a generated stub (e.g.
        client.ledger.ReceiveFunds) with the token and a deadline; raises
        ReliefError."""
        try:
            return method(request, metadata=self.metadata,
                          timeout=self.timeout if timeout is None else timeout)
        except grpc.RpcError as error:
            raise ReliefError.from_rpc_error(error) from None

    def status(self) -> query_pb2.GetStatusResponse:
        return self.invoke(self.query.GetStatus, query_pb2.GetStatusRequest())

    def head_sequence(self) -> int:
        return self.status().head_sequence

    def metrics(self) -> query_pb2.GetMetricsResponse:
        """The server's figures since it started (QueryService.GetMetrics):
        per-RPC counts by code and latency, writer group sizes and write
        times, queue, projection lag, health. Role: admin, auditor or
        service."""
        return self.invoke(self.query.GetMetrics, query_pb2.GetMetricsRequest())

    def balance(self, account: str, *, min_sequence: int = 0,
                as_of_sequence: Optional[int] = None,
                as_of_unix_micros: Optional[int] = None) -> Balance:
        """One account, e.g. "sd.jn/donations/pool". min_sequence: wait
        until the read model has reached it (read your own writes).
        as_of_*: the balance at that point of the log."""
        request = query_pb2.GetBalanceRequest(
            account=account, min_sequence=min_sequence,
            as_of=_log_point(as_of_sequence, as_of_unix_micros))
        response = self.invoke(self.query.GetBalance, request)
        b = response.balance
        return Balance(
            account=b.account, fund_source=fund_source_slug(b.fund_source),
            posted_debits_fen=b.posted_debits_fen,
            posted_credits_fen=b.posted_credits_fen,
            pending_debits_fen=b.pending_debits_fen,
            pending_credits_fen=b.pending_credits_fen,
            available_fen=b.available_fen, last_sequence=b.last_sequence,
            as_of_sequence=response.as_of_sequence)

    def fund_summary(self, unit: str, subtree: bool = False, *,
                     min_sequence: int = 0,
                     as_of_sequence: Optional[int] = None,
                     as_of_unix_micros: Optional[int] = None) -> FundSummary:
        """Per fund source for a unit (or its subtree, summed)."""
        request = query_pb2.GetFundSummaryRequest(
            unit_code=unit, subtree=subtree, min_sequence=min_sequence,
            as_of=_log_point(as_of_sequence, as_of_unix_micros))
        response = self.invoke(self.query.GetFundSummary, request)
        rows = [
            FundSummaryRow(
                unit_code=r.unit_code, fund_source=fund_source_slug(r.fund_source),
                received_fen=r.received_fen,
                goods_received_fen=r.goods_received_fen,
                allocated_in_fen=r.allocated_in_fen,
                allocated_down_fen=r.allocated_down_fen,
                granted_fen=r.granted_fen, reserved_fen=r.reserved_fen,
                lent_fen=r.lent_fen, repaid_fen=r.repaid_fen,
                written_off_fen=r.written_off_fen,
                available_fen=r.available_fen, interest_fen=r.interest_fen,
                recovered_fen=r.recovered_fen)
            for r in response.rows]
        return FundSummary(rows=rows, as_of_sequence=response.as_of_sequence,
                           units=response.units)

    def read_events(self, from_sequence: int = 0, to_sequence: int = 0, *,
                    event_types: Iterable[str] = (), unit: Optional[str] = None,
                    subtree: bool = False, dossier_id: Optional[str] = None,
                    loan_id: Optional[str] = None, from_unix_micros: int = 0,
                    to_unix_micros: int = 0,
                    timeout: Optional[float] = None) -> EventStream:
        """The events of a range, oldest first: from_sequence..to_sequence
        (0: the head when the call starts), recorded in
        [from_unix_micros, to_unix_micros) when given, narrowed by the
        filter (event types such as "funds_received"; a unit, optionally
        with its subtree; a dossier; a loan). An iterator of Events; errors
        are raised as ReliefError while iterating. timeout: a deadline for
        the whole read (None: none)."""
        request = audit_pb2.ReadEventsRequest(
            from_sequence=from_sequence, to_sequence=to_sequence,
            from_unix_micros=from_unix_micros, to_unix_micros=to_unix_micros,
            filter=_filter(event_types, unit, subtree, dossier_id, loan_id))
        return EventStream(self.audit.ReadEvents(
            request, metadata=self.metadata, timeout=timeout))

    def subscribe(self, after_sequence: int = 0, *,
                  event_types: Iterable[str] = (), unit: Optional[str] = None,
                  subtree: bool = False, dossier_id: Optional[str] = None,
                  loan_id: Optional[str] = None,
                  initial_backoff: float = 0.1, max_backoff: float = 5.0,
                  max_retries: Optional[int] = None,
                  on_reconnect: Optional[Callable[[ReliefError, float], None]] = None
                  ) -> Subscription:
        """Catches up after `after_sequence`, then follows the log live;
        resumes by itself after a server restart (see Subscription)."""
        return Subscription(
            self, after_sequence,
            _filter(event_types, unit, subtree, dossier_id, loan_id),
            initial_backoff=initial_backoff, max_backoff=max_backoff,
            max_retries=max_retries, on_reconnect=on_reconnect)
