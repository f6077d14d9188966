"""AWS Signature Version 4 for one JSON POST (pure: hashlib and hmac, no I/O, no clock).

What :class:`~orchestrator.store.dynamodb_http.DynamoHttpClient` signs its requests with: the
canonical request (method, path, empty query, the signed headers sorted by lower-case name,
the body's SHA-256), the string to sign and the derived signing key, as botocore's
``SigV4Auth`` computes them (``tests/unit/store/test_sigv4.py`` checks the two agree).

Example::

    >>> headers = {"host": "dynamodb.eu-west-1.amazonaws.com", "content-type": "application/x-amz-json-1.0",
    ...            "x-amz-target": "DynamoDB_20120810.GetItem"}
    >>> signed = sign_request(Credentials("AKID", "secret"), "eu-west-1", "dynamodb", "POST", "/",
    ...                       headers, b"{}", now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> signed["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/dynamodb/aws4_request")
    True
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

from orchestrator.records import FrozenRecord

__all__ = ["Credentials", "sign_request"]

_ALGORITHM = "AWS4-HMAC-SHA256"


class Credentials(FrozenRecord):
    """An access key, its secret and (temporary credentials, as in a Lambda) a session token
    (immutable and compared by value, as the frozen dataclass it was: see
    :mod:`orchestrator.records`)."""

    _FIELDS = ("access_key", "secret_key", "token")
    __slots__ = _FIELDS
    __match_args__: ClassVar[tuple[str, ...]] = _FIELDS

    access_key: str
    secret_key: str
    token: str | None

    def __init__(self, access_key: str, secret_key: str, token: str | None = None) -> None:
        object.__setattr__(self, "access_key", access_key)
        object.__setattr__(self, "secret_key", secret_key)
        object.__setattr__(self, "token", token)

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(access_key={self.access_key!r})"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def sign_request(
    credentials: Credentials,
    region: str,
    service: str,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime,
) -> dict[str, str]:
    """``headers`` plus ``x-amz-date``, ``x-amz-security-token`` (with a session token) and
    ``authorization``, every one of them signed; ``now`` is a UTC time, ``path`` has no query.

    Header names are lower-cased; values are trimmed as SigV4 says (runs of spaces → one)."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    signed = {name.lower(): " ".join(str(value).split()) for name, value in headers.items()}
    signed["x-amz-date"] = stamp
    if credentials.token:
        signed["x-amz-security-token"] = credentials.token
    names = sorted(signed)
    canonical = "\n".join(
        [
            method.upper(),
            path or "/",
            "",  # no query string
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = f"{_ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"
    key = _hmac(f"AWS4{credentials.secret_key}".encode(), stamp[:8])
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    signed["authorization"] = (
        f"{_ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return signed
