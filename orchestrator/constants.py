"""Every environment variable flowctl reads, and the defaults used when one is unset.

This module is the ONE place that names environment variables. Nothing here reads the
environment: callers pass a mapping (``os.environ`` in a Lambda, a dict in a test) to a
``from_env(env)`` constructor, and explicit arguments always win over the environment.
"""

from __future__ import annotations

__all__ = [
    "AWS_ACCESS_KEY_ID",
    "AWS_CA_BUNDLE",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "BOTOCORE_ONLY_SETTINGS",
    "DEFAULT_EVENT_SOURCE",
    "DEFAULT_FUNCTION_TIMEOUT_SECONDS",
    "DEFAULT_EVENT_TTL_SECONDS",
    "DEFAULT_HOME",
    "DEFAULT_INLINE_LIMIT_BYTES",
    "DEFAULT_METRICS_NAMESPACE",
    "DEFAULT_OFFLOAD_THRESHOLD_BYTES",
    "DEFAULT_SERVICE_NAME",
    "FLOWCTL_DYNAMODB_CLIENT",
    "FLOWCTL_EVENT_BUS",
    "FLOWCTL_EVENT_SOURCE",
    "FLOWCTL_EVENT_TTL",
    "FLOWCTL_FLOWS_DIR",
    "FLOWCTL_HOME",
    "FLOWCTL_OFFLOAD_THRESHOLD",
    "FLOWCTL_PAYLOAD_BUCKET",
    "FLOWCTL_STATE_MACHINES",
    "FLOWCTL_STORE",
    "FLOWCTL_TABLE",
    "LAMBDA_TASK_ROOT",
    "LOCAL_PAYLOADS_DIRNAME",
    "LOCAL_STORE_FILENAME",
    "POWERTOOLS_METRICS_DISABLED",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_TRACE_DISABLED",
    "WAITER_TTL_GRACE_SECONDS",
]

# --- flowctl's own variables -------------------------------------------------------------
FLOWCTL_TABLE = "FLOWCTL_TABLE"
"""Name of the DynamoDB run table. Set: runs and steps are recorded in DynamoDB."""

FLOWCTL_STORE = "FLOWCTL_STORE"
"""``local`` records runs in the embedded SQLite store under ``FLOWCTL_HOME`` (``none`` disables)."""

FLOWCTL_PAYLOAD_BUCKET = "FLOWCTL_PAYLOAD_BUCKET"
"""S3 bucket for node outputs over the offload threshold (unset: ``FLOWCTL_HOME/payloads``)."""

FLOWCTL_OFFLOAD_THRESHOLD = "FLOWCTL_OFFLOAD_THRESHOLD"
"""Size in bytes (JSON-encoded) above which a node output is offloaded."""

FLOWCTL_EVENT_BUS = "FLOWCTL_EVENT_BUS"
"""EventBridge bus that ``POST /events`` publishes to (unset: the API routes the event itself)."""

FLOWCTL_EVENT_SOURCE = "FLOWCTL_EVENT_SOURCE"
"""``Source`` of events flowctl puts on the bus (the event_router's rule matches it)."""

FLOWCTL_EVENT_TTL = "FLOWCTL_EVENT_TTL"
"""Seconds a published event with no waiter stays buffered."""

FLOWCTL_STATE_MACHINES = "FLOWCTL_STATE_MACHINES"
"""JSON object: flow name → state machine ARN."""

FLOWCTL_FLOWS_DIR = "FLOWCTL_FLOWS_DIR"
"""Directory of the flow files the API knows (default: ``LAMBDA_TASK_ROOT``, the function's code
folder, which synth makes the project's ``flows/``)."""

FLOWCTL_HOME = "FLOWCTL_HOME"
"""Local state directory (SQLite run store, offloaded payloads)."""

FLOWCTL_DYNAMODB_CLIENT = "FLOWCTL_DYNAMODB_CLIENT"
"""The run store's DynamoDB client: ``http`` (flowctl's own, signed with the environment's
credentials), ``botocore``, or unset/``auto`` (``http`` when the environment holds credentials
and a region, as in a Lambda; see :mod:`orchestrator.store.dynamodb_client`)."""

# --- variables of the platform and of Powertools ------------------------------------------
POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
POWERTOOLS_METRICS_DISABLED = "POWERTOOLS_METRICS_DISABLED"
POWERTOOLS_TRACE_DISABLED = "POWERTOOLS_TRACE_DISABLED"
AWS_LAMBDA_FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME"
AWS_REGION = "AWS_REGION"
AWS_DEFAULT_REGION = "AWS_DEFAULT_REGION"
AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"
AWS_SESSION_TOKEN = "AWS_SESSION_TOKEN"
AWS_SECURITY_TOKEN = "AWS_SECURITY_TOKEN"
"""The session token's older name, which botocore still reads when AWS_SESSION_TOKEN is unset."""
AWS_CA_BUNDLE = "AWS_CA_BUNDLE"
AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL"
AWS_ENDPOINT_URL_DYNAMODB = "AWS_ENDPOINT_URL_DYNAMODB"
AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
BOTOCORE_ONLY_SETTINGS = (
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
)
"""Settings only botocore honours (profiles, FIPS/dual-stack endpoints, retry
configuration, proxies): when one is set, the run store uses botocore's DynamoDB client."""
LAMBDA_TASK_ROOT = "LAMBDA_TASK_ROOT"
"""The folder of a Lambda's code package (set by the Lambda runtime)."""

# --- defaults ------------------------------------------------------------------------------
DEFAULT_HOME = ".flowctl"
LOCAL_STORE_FILENAME = "runs.sqlite3"
LOCAL_PAYLOADS_DIRNAME = "payloads"
DEFAULT_SERVICE_NAME = "flowctl"
DEFAULT_METRICS_NAMESPACE = "flowctl"
DEFAULT_EVENT_SOURCE = "flowctl.events"
DEFAULT_EVENT_TTL_SECONDS = 24 * 3600
DEFAULT_OFFLOAD_THRESHOLD_BYTES = 200 * 1024
DEFAULT_INLINE_LIMIT_BYTES = 100 * 1024
"""Largest JSON value stored inline in one run-table attribute (a DynamoDB item holds 400 KB)."""
WAITER_TTL_GRACE_SECONDS = 3600
"""A waiter record outlives its task timeout by this much before TTL removes it."""

DEFAULT_FUNCTION_TIMEOUT_SECONDS = 30
"""Timeout of a node function without its own ``function.json`` ``timeout`` (the template's Globals)."""
