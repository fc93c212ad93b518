"""reliefclient: a small Python client for reliefd (the relief-fund ledger).

Needs the modules generated from proto/ (relief.v1.*_pb2, *_pb2_grpc) on
PYTHONPATH: `ninja relief_python_client` writes them to
<build>/clients/python/gen. See clients/python/README.md.
"""

from .client import (FUND_SOURCE_SLUGS, Balance, Client, Event, EventStream,
                     FundSummary, FundSummaryRow, Subscription, Tls,
                     fund_source_slug)
from .errors import REASON_METADATA_KEY, ReliefError
from .money import format_yuan, parse_yuan

__all__ = [
    "Balance", "Client", "Event", "EventStream", "FUND_SOURCE_SLUGS",
    "FundSummary", "FundSummaryRow", "REASON_METADATA_KEY", "ReliefError",
    "Subscription", "Tls", "format_yuan", "fund_source_slug", "parse_yuan",
]
