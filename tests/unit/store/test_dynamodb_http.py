"""flowctl's own DynamoDB client against a scripted local server: retries with backoff, errors
shaped as the store reads them, kept-alive connections, and the store's paging and batch loops.
(The whole store contract also runs on it against a moto server: ``conftest.py``, backend
``dynamodb-http``.)"""

from __future__ import annotations

import json
import select
import threading
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from orchestrator.errors import FlowctlError
from orchestrator.store import Run
from orchestrator.store.dynamodb import DynamoRunStore
from orchestrator.store.dynamodb_http import DynamoHttpClient, endpoint_from_env
from orchestrator.store.errors import DynamoDBError, StoreUnavailableError
from orchestrator.store.sigv4 import Credentials
from tests.ports import free_port

Reply = tuple[int, Any]  # (status, body) — a body that is bytes is sent as is


class Script:
    """What the server answers, in order (then ``{}``), and what it was sent."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self.connections: set[tuple[str, int]] = set()
        self.bad_crc = 0
        self.hang_up = 0


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as DynamoDB

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            script.connections.add(self.client_address)
            script.requests.append({"target": self.headers["X-Amz-Target"], "headers": {k.lower(): v for k, v in self.headers.items()},
                                    "body": json.loads(body)})
            status, reply = script.replies.pop(0) if script.replies else (200, {})
            data = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(data)))
            crc = zlib.crc32(data)
            if script.bad_crc:
                script.bad_crc -= 1
                crc += 1
            self.send_header("x-amz-crc32", str(crc))
            self.end_headers()
            self.wfile.write(data)
            if script.hang_up:  # close the kept-alive connection without saying so
                script.hang_up -= 1
                self.close_connection = True

        def log_message(self, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()
    httpd.server_close()


def _client(endpoint: str, pauses: list[float] | None = None, **options: Any) -> DynamoHttpClient:
    return DynamoHttpClient(endpoint, "us-east-1", Credentials("AKID", "secret", "token"),
                            sleep=(pauses.append if pauses is not None else lambda s: None), jitter=lambda: 0.5, **options)


def _error(code: str, message: str = "no", **fields: Any) -> dict[str, Any]:
    return {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **fields}


KEY = {"PK": {"S": "RUN#r1"}, "SK": {"S": "RUN"}}


# ---------------------------------------------------------------- requests and answers
def test_a_request_is_signed_json_with_the_operation_as_its_target(server):
    endpoint, script = server
    script.replies = [(200, {"Item": {**KEY, "blob": {"B": "AAE="}}})]
    # WHEN an item is read
    found = _client(endpoint).get_item(TableName="runs", Key=KEY, ConsistentRead=True)
    # THEN the request is DynamoDB's JSON protocol, signed with the session token
    sent = script.requests[0]
    assert sent["target"] == "DynamoDB_20120810.GetItem"
    assert sent["headers"]["content-type"] == "application/x-amz-json-1.0"
    assert sent["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/")
    assert sent["headers"]["x-amz-security-token"] == "token"
    assert sent["body"] == {"TableName": "runs", "Key": KEY, "ConsistentRead": True}
    # AND the answer comes back as botocore shapes it (binary values as bytes)
    assert found["Item"] == {**KEY, "blob": {"B": b"\x00\x01"}}
    assert found["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_binary_values_go_out_as_base64(server):
    endpoint, script = server
    _client(endpoint).put_item(TableName="runs", Item={**KEY, "blob": {"B": b"\x00\x01"}, "set": {"BS": [b"\xff"]}})
    assert script.requests[0]["body"]["Item"]["blob"] == {"B": "AAE="}
    assert script.requests[0]["body"]["Item"]["set"] == {"BS": ["/w=="]}


def test_calls_reuse_one_kept_alive_connection(server):
    endpoint, script = server
    client = _client(endpoint)
    for _ in range(5):
        client.put_item(TableName="runs", Item=KEY)
    assert len(script.requests) == 5
    assert len(script.connections) == 1


# ---------------------------------------------------------------- retries
def test_throttling_and_server_errors_are_retried_with_backoff(server):
    endpoint, script = server
    # GIVEN DynamoDB throttles, then fails with a 500, then answers
    script.replies = [(400, _error("ProvisionedThroughputExceededException")), (500, _error("InternalServerError")),
                      (200, {"Attributes": {"n": {"N": "1"}}})]
    pauses: list[float] = []
    # WHEN an item is updated
    done = _client(endpoint, pauses).update_item(TableName="runs", Key=KEY, UpdateExpression="ADD n :one")
    # THEN the third attempt succeeds, after a throttling pause (scale 1 s) and a short one (25 ms, x2)
    assert done["Attributes"] == {"n": {"N": "1"}}
    assert done["ResponseMetadata"]["RetryAttempts"] == 2
    assert [r["target"] for r in script.requests] == ["DynamoDB_20120810.UpdateItem"] * 3
    assert pauses == [0.5 * 1.0, 0.5 * 0.025 * 2]


@pytest.mark.parametrize("code", ["ThrottlingException", "RequestLimitExceeded"])
def test_throttling_that_lasts_raises_the_error_after_three_attempts(server, code):
    endpoint, script = server
    script.replies = [(400, _error(code, "slow down"))] * 3 + [(200, {})]
    with pytest.raises(DynamoDBError) as raised:
        _client(endpoint).put_item(TableName="runs", Item=KEY)
    assert raised.value.code == code
    assert raised.value.response["Error"] == {"Code": code, "Message": "slow down"}
    assert len(script.requests) == 3


def test_a_client_error_is_raised_at_once_with_its_code_and_fields(server):
    endpoint, script = server
    reasons = [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
    script.replies = [(400, _error("TransactionCanceledException", "cancelled", CancellationReasons=reasons))]
    with pytest.raises(DynamoDBError) as raised:
        _client(endpoint).transact_write_items(TransactItems=[])
    # THEN one attempt; the error reads as botocore's ClientError does, and is a FlowctlError
    assert len(script.requests) == 1
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert raised.value.response["CancellationReasons"] == reasons
    assert isinstance(raised.value, FlowctlError)


def test_a_body_that_fails_its_checksum_is_asked_again(server):
    endpoint, script = server
    script.replies = [(200, {"Count": 1}), (200, {"Count": 2})]
    script.bad_crc = 1
    assert _client(endpoint).query(TableName="runs")["Count"] == 2
    assert len(script.requests) == 2


def test_an_unreachable_endpoint_is_a_clear_error_after_three_attempts():
    # GIVEN an endpoint where nothing listens
    endpoint = f"http://127.0.0.1:{free_port()}"
    pauses: list[float] = []
    # WHEN the store's client calls it
    with pytest.raises(StoreUnavailableError) as raised:
        _client(endpoint, pauses).get_item(TableName="runs", Key=KEY)
    # THEN it tried three times, and the error names the endpoint and what to check
    assert len(pauses) == 2
    assert endpoint in str(raised.value)
    assert "after 3 attempts" in str(raised.value)
    assert "AWS_ENDPOINT_URL_DYNAMODB" in (raised.value.hint or "")


def test_a_connection_the_server_closed_is_opened_again(server):
    endpoint, script = server
    client = _client(endpoint)
    # GIVEN the server hangs up a kept-alive connection after answering (an idle timeout while
    # the Lambda was frozen)
    script.hang_up = 1
    client.put_item(TableName="runs", Item=KEY)
    select.select([client._local.connection.sock], [], [], 5)  # the hang-up has arrived
    # WHEN the next call comes
    done = client.put_item(TableName="runs", Item=KEY)
    # THEN it goes out on a new connection, at its first attempt
    assert len(script.requests) == 2
    assert len(script.connections) == 2
    assert done["ResponseMetadata"]["RetryAttempts"] == 0


# ---------------------------------------------------------------- the store's loops on it
def _step(node: str) -> dict[str, Any]:
    return {"PK": {"S": "RUN#r1"}, "SK": {"S": f"STEP#{node}#00000000#0000#0000"}, "type": {"S": "step"},
            "run_id": {"S": "r1"}, "node": {"S": node}, "status": {"S": "SUCCEEDED"}}


def test_the_store_reads_every_page_of_a_query(server):
    endpoint, script = server
    a, b = _step("a"), _step("b")
    # GIVEN a run whose steps come in two pages
    script.replies = [(200, {"Items": [a], "LastEvaluatedKey": {"PK": a["PK"], "SK": a["SK"]}}), (200, {"Items": [b]})]
    store = DynamoRunStore("runs", client=_client(endpoint))
    # WHEN its steps are read
    found = store.list_steps("r1")
    # THEN both pages were asked for, the second from where the first stopped
    assert [r["body"].get("ExclusiveStartKey") for r in script.requests] == [None, {"PK": a["PK"], "SK": a["SK"]}]
    assert [s.node for s in found] == ["a", "b"]


def test_the_store_sends_unprocessed_items_again(server):
    endpoint, script = server
    store = DynamoRunStore("runs", client=_client(endpoint))
    items = [{"PK": "RUN#r1", "SK": f"AGG#each#{i:09d}", "index": i} for i in range(3)]
    left = {"PutRequest": {"Item": {"PK": {"S": "RUN#r1"}, "SK": {"S": "AGG#each#000000000"}, "index": {"N": "0"}}}}
    # GIVEN DynamoDB leaves the first item of a batch unprocessed once
    script.replies = [(200, {"UnprocessedItems": {"runs": [left]}})]
    # WHEN results are stored as one batch
    store._put_items(items)
    # THEN the left-over item is sent again, alone
    batches = [r["body"]["RequestItems"]["runs"] for r in script.requests]
    assert [len(b) for b in batches] == [3, 1]
    assert batches[0][0] == batches[1][0] == left


def test_a_failed_condition_through_this_client_is_the_store_s_condition_error(server):
    endpoint, script = server
    script.replies = [(400, _error("ConditionalCheckFailedException", "The conditional request failed"))]
    store = DynamoRunStore("runs", client=_client(endpoint))
    # WHEN a run is created whose id is taken (the store then reads the existing one)
    script.replies.append((200, {"Item": {"PK": {"S": "RUN#r1"}, "SK": {"S": "RUN"}, "run_id": {"S": "r1"},
                                          "flow": {"S": "f"}, "status": {"S": "RUNNING"}, "type": {"S": "run"},
                                          "idempotency_key": {"S": "k"}}}))
    existing = store.create_run(Run(run_id="r1", flow="f", idempotency_key="k"))
    assert existing.status == "RUNNING"


# ---------------------------------------------------------------- clock skew and credentials
def _amz_time(request: dict[str, Any]) -> datetime:
    return datetime.strptime(request["headers"]["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def test_a_request_refused_for_a_clock_an_hour_off_is_signed_again_with_the_service_s_time(server):
    endpoint, script = server
    # GIVEN a machine whose clock is an hour behind, and DynamoDB refusing its signature
    script.replies = [(400, _error("InvalidSignatureException", "Signature expired: 20261202T050000Z is now earlier than ..."))]
    client = _client(endpoint, clock=lambda: datetime.now(UTC) - timedelta(hours=1))
    # WHEN an item is read
    client.get_item(TableName="runs", Key=KEY)
    # THEN it is signed again at once with the time the answer's Date gives, and that time is kept
    client.get_item(TableName="runs", Key=KEY)
    first, again, later = (_amz_time(r) for r in script.requests)
    now = datetime.now(UTC)
    assert now - first > timedelta(minutes=55)
    assert abs(now - again) < timedelta(minutes=1) and abs(now - later) < timedelta(minutes=1)


def test_a_signature_refused_with_a_right_clock_is_raised_at_once(server):
    endpoint, script = server
    # GIVEN a clock that is right, and a signature DynamoDB refuses (a wrong secret)
    script.replies = [(400, _error("InvalidSignatureException", "The request signature we calculated does not match"))]
    # WHEN an item is read THEN the error is raised after one request (no retry can mend it)
    with pytest.raises(DynamoDBError) as raised:
        _client(endpoint).get_item(TableName="runs", Key=KEY)
    assert raised.value.code == "InvalidSignatureException"
    assert len(script.requests) == 1


def test_the_session_token_is_read_under_its_older_name_too():
    env = {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "us-east-1"}
    assert DynamoHttpClient.from_env({**env, "AWS_SECURITY_TOKEN": "old"}).credentials.token == "old"
    both = {**env, "AWS_SECURITY_TOKEN": "old", "AWS_SESSION_TOKEN": "new"}
    assert DynamoHttpClient.from_env(both).credentials.token == "new"


# ---------------------------------------------------------------- endpoint
def test_the_endpoint_comes_from_the_environment_as_botocore_reads_it():
    assert endpoint_from_env({}, "eu-west-1") == "https://dynamodb.eu-west-1.amazonaws.com"
    assert endpoint_from_env({}, "cn-north-1") == "https://dynamodb.cn-north-1.amazonaws.com.cn"
    assert endpoint_from_env({"AWS_ENDPOINT_URL": "http://a"}, "us-east-1") == "http://a"
    assert endpoint_from_env({"AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_DYNAMODB": "http://b"}, "us-east-1") == "http://b"
    ignored = {"AWS_ENDPOINT_URL_DYNAMODB": "http://b", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}
    assert endpoint_from_env(ignored, "us-east-1") == "https://dynamodb.us-east-1.amazonaws.com"


# ---------------------------------------------------------------- HTTPS, as in a Lambda
def _self_signed(folder: Any) -> tuple[str, str]:
    """A certificate for ``localhost`` signed by its own key: (certificate file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_server(tmp_path: Any) -> Iterator[tuple[str, Script, str]]:
    import ssl

    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://localhost:{httpd.server_address[1]}", script, cert_file
    httpd.shutdown()
    httpd.server_close()


def test_https_verifies_the_server_against_the_ca_bundle_and_keeps_the_connection(tls_server):
    # GIVEN a DynamoDB endpoint over HTTPS whose certificate the CA bundle holds
    endpoint, script, ca_bundle = tls_server
    script.replies = [(200, {"Item": {"PK": {"S": "RUN#r1"}}}), (200, {})]
    client = _client(endpoint, ca_bundle=ca_bundle)
    # WHEN the client calls it twice
    found = client.get_item(TableName="runs", Key=KEY)
    client.get_item(TableName="runs", Key=KEY)
    # THEN the answers come back over TLS, signed for the host the URL names, on one connection
    assert found["Item"] == {"PK": {"S": "RUN#r1"}}
    assert [r["target"] for r in script.requests] == ["DynamoDB_20120810.GetItem"] * 2
    assert script.requests[0]["headers"]["host"] == endpoint.removeprefix("https://")
    assert len(script.connections) == 1


def test_https_refuses_a_server_whose_certificate_it_cannot_verify(tls_server):
    # GIVEN an HTTPS endpoint with a self-signed certificate, and only the system's CAs
    endpoint, script, _ = tls_server
    pauses: list[float] = []
    # WHEN the client calls it
    with pytest.raises(StoreUnavailableError) as raised:
        _client(endpoint, pauses).get_item(TableName="runs", Key=KEY)
    # THEN no request reached the server, and the error says the certificate failed
    assert script.requests == []
    assert "certificate" in str(raised.value).lower()
