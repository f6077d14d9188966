"""The DynamoDB client a store creates for itself (when none is injected).

:func:`dynamodb_client` picks one of two:

- flowctl's own :class:`~orchestrator.store.dynamodb_http.DynamoHttpClient` when the
  environment holds credentials and a region (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
  ``AWS_SESSION_TOKEN``, ``AWS_REGION``: what Lambda gives every function). It costs a cold
  start a few milliseconds where botocore's costs ~250 ms.
- botocore's client otherwise: credentials from a profile, SSO, a container or instance role
  (the command line on a workstation), a setting only botocore honours (a profile, FIPS or
  dual-stack endpoints, retry settings, a proxy:
  :data:`~orchestrator.constants.BOTOCORE_ONLY_SETTINGS`), and while moto's in-process mock is
  active (it intercepts botocore, not sockets). ``FLOWCTL_DYNAMODB_CLIENT=botocore`` asks for it
  always; ``=http`` for flowctl's own always.

botocore's client is made from a session whose loader looks only for DynamoDB's files:
``boto3.client("dynamodb")`` would list every service folder botocore ships (~440, twice) to
check that ``dynamodb`` is one. Everything else (credentials, region, endpoint URL, retries,
moto) is botocore's own.

Example::

    >>> client = dynamodb_client()
    >>> client.get_item(TableName="flowctl-runs", Key={"PK": {"S": "RUN#r1"}, "SK": {"S": "RUN"}})
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from orchestrator.constants import (
    AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY,
    BOTOCORE_ONLY_SETTINGS,
    FLOWCTL_DYNAMODB_CLIENT,
)

__all__ = ["botocore_dynamodb_client", "dynamodb_client", "uses_http_client"]

SERVICE = "dynamodb"


def _moto_is_mocking() -> bool:
    """Whether moto's ``mock_aws`` is active in this process (read without importing moto)."""
    models = sys.modules.get("moto.core.models")
    stubber = getattr(models, "botocore_stubber", None)
    return bool(getattr(stubber, "enabled", False))


def uses_http_client(env: Mapping[str, str]) -> bool:
    """Whether :func:`dynamodb_client` gives flowctl's own client for ``env`` (see above)."""
    from orchestrator.store.dynamodb_http import region_from_env

    choice = (env.get(FLOWCTL_DYNAMODB_CLIENT) or "auto").lower()
    if choice not in ("auto", "http", "botocore"):
        from orchestrator.store.errors import StoreError

        raise StoreError(
            f"unknown DynamoDB client {choice!r}",
            where=FLOWCTL_DYNAMODB_CLIENT,
            hint="set it to 'auto' (the default), 'http' or 'botocore'",
        )
    if choice != "auto":
        return choice == "http"
    has_credentials = bool(env.get(AWS_ACCESS_KEY_ID) and env.get(AWS_SECRET_ACCESS_KEY) and region_from_env(env))
    return has_credentials and not any(env.get(name) for name in BOTOCORE_ONLY_SETTINGS) and not _moto_is_mocking()


def dynamodb_client(env: Mapping[str, str] | None = None) -> Any:
    """A DynamoDB client configured from ``env`` (default: ``os.environ``): flowctl's own or
    botocore's, as :func:`uses_http_client` says."""
    env = os.environ if env is None else env
    if uses_http_client(env):
        from orchestrator.store.dynamodb_http import DynamoHttpClient

        return DynamoHttpClient.from_env(env)
    return botocore_dynamodb_client()


def botocore_dynamodb_client() -> Any:
    """A botocore DynamoDB client configured from the environment, as ``boto3.client`` makes it."""
    import botocore.session
    from botocore.exceptions import DataNotFoundError
    from botocore.loaders import Loader

    class _OneServiceLoader(Loader):  # type: ignore[misc]
        """botocore's loader, knowing the one service it is asked for without listing the others."""

        def list_available_services(self, type_name: str) -> list[str]:
            try:
                self.determine_latest_version(SERVICE, type_name)  # lists DynamoDB's folder only
            except DataNotFoundError:
                return []
            return [SERVICE]

    session = botocore.session.get_session()
    data_path = session.get_config_variable("data_path")  # AWS_DATA_PATH, as botocore's create_loader reads it
    extra = [os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep)] if data_path else []
    session.register_component("data_loader", _OneServiceLoader(extra_search_paths=extra))
    return session.create_client(SERVICE)
