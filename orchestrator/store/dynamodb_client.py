"""The DynamoDB client a store creates for itself (when none is injected): botocore's, made on
first use, without the work a Lambda's cold start does not need.

``boto3.client("dynamodb")`` imports boto3 and, to check that the name ``dynamodb`` is a service,
botocore's loader lists every service folder it ships (~440 of them, each listed again for its
API versions), twice (the service model and its endpoint rule set): a third of creating the
client on a cold start. :func:`dynamodb_client` creates the same client from a botocore session
whose loader only looks for DynamoDB's files. Everything else (credentials, region, endpoint
URL from ``AWS_ENDPOINT_URL_DYNAMODB``, retries, moto's mocking) is botocore's own.

Example::

    >>> client = dynamodb_client()
    >>> client.describe_table(TableName="flowctl-runs")
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["dynamodb_client"]

SERVICE = "dynamodb"


def dynamodb_client() -> Any:
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
