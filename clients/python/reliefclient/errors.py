"""Errors from reliefd: the gRPC status code and the `relief-reason`.

Every failed RPC carries a stable machine-readable reason (an ErrorReason
name from proto/relief/v1/errors.proto) in the trailing metadata key
`relief-reason`, and also as the prefix of the message.
"""

from __future__ import annotations

import re
from typing import Optional

import grpc

__all__ = ["ReliefError", "REASON_METADATA_KEY"]

REASON_METADATA_KEY = "relief-reason"
_REASON_PREFIX = re.compile(r"^([A-Z][A-Z0-9_]*): ")


class ReliefError(Exception):
    """A failed call: `code` (grpc.StatusCode), `reason` ("ROLE_REQUIRED",
    or "" when the server gave none, e.g. it could not be reached) and
    `details` (the server's message)."""

    def __init__(self, code: grpc.StatusCode, reason: str = "",
                 details: str = "") -> None:
        self.code = code
        self.reason = reason
        self.details = details
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.code.name
        if self.reason:
            text += f" {self.reason}"
        if self.details:
            text += f": {self.details}"
        return text

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> "ReliefError":
        """From a grpc.RpcError raised by a unary call or a stream."""
        code = error.code() if hasattr(error, "code") else None
        if code is None:
            code = grpc.StatusCode.UNKNOWN
        details = (error.details() if hasattr(error, "details") else "") or ""
        reason = _reason_from_metadata(
            error.trailing_metadata() if hasattr(error, "trailing_metadata")
            else None)
        if not reason:
            match = _REASON_PREFIX.match(details)
            if match:
                reason = match.group(1)
        return cls(code, reason, details)


def _reason_from_metadata(metadata: Optional[tuple]) -> str:
    for key, value in metadata or ():
        if key == REASON_METADATA_KEY:
            return value.decode() if isinstance(value, bytes) else str(value)
    return ""
