"""A small DynamoDB client for the node runtime: the JSON protocol over one kept-alive
HTTP/1.1 connection per thread (:mod:`orchestrator.store.http1`), signed with
:mod:`orchestrator.store.sigv4`.

Why: creating botocore's client costs a Lambda's cold start ~250 ms (importing botocore, loading
the service model and endpoint rules), a node's whole budget. This client knows only the
operations :class:`~orchestrator.store.dynamodb.DynamoRunStore` calls — ``get_item``,
``put_item``, ``update_item``, ``delete_item``, ``query``, ``batch_write_item``,
``transact_write_items`` — with botocore's parameter and response shapes (attribute values as
``{"S": ...}``; ``B`` values are bytes on both sides, base64 on the wire).

What it does as botocore's standard retry mode does: 3 attempts; retries throttling errors
(``ProvisionedThroughputExceededException``, ``ThrottlingException``, ``RequestLimitExceeded``...),
transient ones (HTTP 500/502/503/504, ``RequestTimeout``), a body whose ``x-amz-crc32`` does not
match, and connection errors, after ``rand(0, 1) × min(scale × 2^(attempt-1), 20 s)`` (scale
1 s for throttling, 25 ms otherwise, as botocore's DynamoDB). A request refused because this
machine's clock is off (``InvalidSignatureException`` "Signature expired", ``RequestTimeTooSkewed``...)
is signed again at once with the clock corrected by the answer's ``Date``, and the correction is
kept for later requests, as the AWS SDKs do. A refused request raises
:class:`~orchestrator.store.errors.DynamoDBError` (``.code``, and ``.response`` shaped as
botocore's ``ClientError.response``); an endpoint that stays unreachable raises
:class:`~orchestrator.store.errors.StoreUnavailableError`. No parameter validation: DynamoDB
answers ``ValidationException``.

Example::

    >>> client = DynamoHttpClient.from_env(os.environ)   # credentials, region, endpoint URL
    >>> client.get_item(TableName="runs", Key={"PK": {"S": "RUN#r1"}, "SK": {"S": "RUN"}})
    {'Item': {...}, 'ResponseMetadata': {...}}
"""

from __future__ import annotations

import base64
import json
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from orchestrator.constants import (
    AWS_ACCESS_KEY_ID,
    AWS_CA_BUNDLE,
    AWS_DEFAULT_REGION,
    AWS_ENDPOINT_URL,
    AWS_ENDPOINT_URL_DYNAMODB,
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
    AWS_REGION,
    AWS_SECRET_ACCESS_KEY,
    AWS_SECURITY_TOKEN,
    AWS_SESSION_TOKEN,
    FLOWCTL_DYNAMODB_CLIENT,
)
from orchestrator.store.errors import DynamoDBError, StoreError, StoreUnavailableError
from orchestrator.store.http1 import Http1Connection
from orchestrator.store.sigv4 import Credentials, sign_request

__all__ = ["DynamoHttpClient", "endpoint_from_env", "region_from_env"]

_TARGET = "DynamoDB_20120810."
_CONTENT_TYPE = "application/x-amz-json-1.0"
_THROTTLING = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
})
_TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})
_TRANSIENT_STATUS = frozenset({500, 502, 503, 504})
_CLOCK_SKEW_CODES = frozenset({
    "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException",
    "SignatureDoesNotMatch", "AuthFailure",
})
_SKEW_WINDOW = timedelta(minutes=4)  # AWS refuses a signature more than 5 minutes off
_MAX_BACKOFF = 20.0
_THROTTLING_SCALE = 1.0
_OTHER_SCALE = 0.025


def region_from_env(env: Mapping[str, str]) -> str | None:
    """``AWS_REGION`` (what Lambda sets), else ``AWS_DEFAULT_REGION``."""
    return env.get(AWS_REGION) or env.get(AWS_DEFAULT_REGION) or None


def endpoint_from_env(env: Mapping[str, str], region: str) -> str:
    """``AWS_ENDPOINT_URL_DYNAMODB``, else ``AWS_ENDPOINT_URL`` (unless
    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` is true), else the region's public endpoint."""
    if (env.get(AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) or "").lower() != "true":
        configured = env.get(AWS_ENDPOINT_URL_DYNAMODB) or env.get(AWS_ENDPOINT_URL)
        if configured:
            return configured
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://dynamodb.{region}.{suffix}"


def _blob(value: Any) -> str:
    """json.dumps' fallback: a ``B``/``BS`` value (bytes) goes on the wire as base64."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _unblob(value: Any) -> Any:
    """Base64 ``B``/``BS`` attribute values of a response back to bytes (as botocore parses them)."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((kind, inner),) = value.items()
            if kind == "B" and isinstance(inner, str):
                return {"B": base64.b64decode(inner)}
            if kind == "BS" and isinstance(inner, list) and all(isinstance(v, str) for v in inner):
                return {"BS": [base64.b64decode(v) for v in inner]}
        return {k: _unblob(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unblob(v) for v in value]
    return value


class DynamoHttpClient:
    """DynamoDB's JSON API at ``endpoint`` in ``region``, signed with ``credentials``.

    ``max_attempts`` (3), ``timeout`` (seconds to connect and per read, 60 as botocore),
    ``ca_bundle`` (a file of CA certificates for HTTPS; default: the system's),
    ``sleep`` and ``jitter`` (the backoff's pause and its random factor in [0, 1), default
    ``random.random``; injectable for tests) and ``clock`` (the signing time, UTC)."""

    def __init__(
        self,
        endpoint: str,
        region: str,
        credentials: Credentials,
        *,
        max_attempts: int = 3,
        timeout: float = 60.0,
        ca_bundle: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) endpoint URL: {endpoint!r}")
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.max_attempts = max(1, max_attempts)
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        default_port = 443 if self._https else 80
        self._host_header = parts.netloc if parts.port not in (None, default_port) else parts.hostname
        self._path = parts.path or "/"
        self._timeout = timeout
        self._ca_bundle = ca_bundle
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock
        self._skew = timedelta(0)
        """What to add to ``clock`` to get the service's time (set by a clock-skew answer)."""
        self._local = threading.local()

    @classmethod
    def from_env(cls, env: Mapping[str, str], **options: Any) -> DynamoHttpClient:
        """The client the environment describes (Lambda's credentials, region and endpoint);
        :class:`~orchestrator.store.errors.StoreError` when it holds no credentials or no region."""
        key, secret = env.get(AWS_ACCESS_KEY_ID), env.get(AWS_SECRET_ACCESS_KEY)
        region = region_from_env(env)
        if not key or not secret or not region:
            raise StoreError(
                "flowctl's DynamoDB client needs credentials and a region in the environment",
                where=f"{AWS_ACCESS_KEY_ID}, {AWS_SECRET_ACCESS_KEY}, {AWS_REGION}",
                hint=f"set them, or {FLOWCTL_DYNAMODB_CLIENT}=botocore to use profiles and roles",
            )
        credentials = Credentials(key, secret, env.get(AWS_SESSION_TOKEN) or env.get(AWS_SECURITY_TOKEN) or None)
        options.setdefault("ca_bundle", env.get(AWS_CA_BUNDLE) or None)
        return cls(endpoint_from_env(env, region), region, credentials, **options)

    # ------------------------------------------------------------------ operations
    def get_item(self, **params: Any) -> dict[str, Any]:
        return self.call("GetItem", params)

    def put_item(self, **params: Any) -> dict[str, Any]:
        return self.call("PutItem", params)

    def update_item(self, **params: Any) -> dict[str, Any]:
        return self.call("UpdateItem", params)

    def delete_item(self, **params: Any) -> dict[str, Any]:
        return self.call("DeleteItem", params)

    def query(self, **params: Any) -> dict[str, Any]:
        return self.call("Query", params)

    def batch_write_item(self, **params: Any) -> dict[str, Any]:
        return self.call("BatchWriteItem", params)

    def transact_write_items(self, **params: Any) -> dict[str, Any]:
        return self.call("TransactWriteItems", params)

    def close(self) -> None:
        """Close this thread's connection (the next call opens another)."""
        self._drop()

    # ------------------------------------------------------------------ protocol
    def call(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One DynamoDB ``operation`` (``GetItem``...) with botocore-shaped ``params``."""
        body = json.dumps(params, separators=(",", ":"), default=_blob).encode("utf-8")
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            try:
                status, headers, data = self._send(operation, body)
            except OSError as exc:
                self._drop()
                if last:
                    raise StoreUnavailableError(self.endpoint, operation, attempt, f"{type(exc).__name__}: {exc}") from exc
                self._backoff(attempt, throttled=False)
                continue
            expected = headers.get("x-amz-crc32")
            if expected is not None and expected.isdigit() and int(expected) != zlib.crc32(data):
                if last:
                    raise StoreUnavailableError(self.endpoint, operation, attempt, "response body failed its CRC32 check")
                self._backoff(attempt, throttled=False)
                continue
            meta = {"HTTPStatusCode": status, "RequestId": headers.get("x-amzn-requestid", ""), "RetryAttempts": attempt - 1}
            if 200 <= status < 300:
                parsed = json.loads(data) if data else {}
                if b'"B' in data:
                    parsed = _unblob(parsed)
                parsed["ResponseMetadata"] = meta
                return dict(parsed)
            error = _error(operation, status, data, meta)
            if error.code in _CLOCK_SKEW_CODES and not last and self._correct_clock(headers.get("date")):
                continue  # signed with the service's time, at once: nothing to wait for
            throttled = error.code in _THROTTLING
            if last or not (throttled or error.code in _TRANSIENT_CODES or status in _TRANSIENT_STATUS):
                raise error
            self._backoff(attempt, throttled=throttled)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _backoff(self, attempt: int, *, throttled: bool) -> None:
        if self._jitter is None:
            import random  # on a first retry only: a cold start without retries does not import it

            self._jitter = random.random
        scale = _THROTTLING_SCALE if throttled else _OTHER_SCALE
        self._sleep(self._jitter() * min(scale * 2 ** (attempt - 1), _MAX_BACKOFF))

    def _correct_clock(self, date: str | None) -> bool:
        """Take the service's time from an answer's ``Date`` when this clock is minutes off it;
        True when the correction changed (so a request signed again may now pass)."""
        if not date:
            return False
        from email.utils import parsedate_to_datetime

        try:
            served = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return False
        if served.tzinfo is None:
            served = served.replace(tzinfo=UTC)
        skew = served - self._clock()
        if abs(skew - self._skew) < _SKEW_WINDOW:
            return False  # the clock is not what is wrong
        self._skew = skew
        return True

    def _send(self, operation: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        headers = sign_request(
            self.credentials,
            self.region,
            "dynamodb",
            "POST",
            self._path,
            {"host": self._host_header, "content-type": _CONTENT_TYPE, "x-amz-target": _TARGET + operation},
            body,
            now=self._clock() + self._skew,
        )
        return self._connection().post(self._path, headers, body)

    def _connection(self) -> Http1Connection:
        """This thread's connection (it reconnects by itself when the server closed it)."""
        connection: Http1Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            wrap = None
            if self._https:
                import ssl

                context = ssl.create_default_context(cafile=self._ca_bundle)
                host = self._host

                def wrap(sock: Any) -> Any:
                    return context.wrap_socket(sock, server_hostname=host)

            connection = self._local.connection = Http1Connection(self._host, self._port, timeout=self._timeout, wrap=wrap)
        return connection

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()


def _error(operation: str, status: int, data: bytes, meta: dict[str, Any]) -> DynamoDBError:
    """The error of a non-2xx answer: ``__type``'s last part is the code (DynamoDB's JSON protocol)."""
    try:
        body = json.loads(data) if data else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = str(body.get("__type", "")).rpartition("#")[2] or ("InternalFailure" if status >= 500 else f"HTTP{status}")
    message = str(body.get("message") or body.get("Message") or data[:200].decode("utf-8", "replace"))
    extra = {k: v for k, v in body.items() if k not in ("__type", "message", "Message")}
    response = {**extra, "Error": {"Code": code, "Message": message}, "ResponseMetadata": meta}
    return DynamoDBError(operation, code, message, response)
