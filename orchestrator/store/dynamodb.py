"""DynamoDB backend of the run store: one table (see :mod:`orchestrator.store.dynamodb_schema`).

The DynamoDB *client* is injected (a boto3/botocore client, or flowctl's own
:class:`~orchestrator.store.dynamodb_http.DynamoHttpClient`) or created on first use by
:func:`~orchestrator.store.dynamodb_client.dynamodb_client`, never at import time. Both raise
errors carrying ``response["Error"]["Code"]`` (botocore's ``ClientError``, flowctl's
:class:`~orchestrator.store.errors.DynamoDBError`). Reads are strongly consistent;
``ConditionalCheckFailedException`` (and a transaction cancelled by a failed condition) becomes
:class:`~orchestrator.store.errors.ConditionFailedError`.

Example::

    >>> store = DynamoRunStore("flowctl-runs", client=boto3.client("dynamodb"))
    >>> store.get_run("r1")
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from orchestrator.store import dynamodb_types
from orchestrator.store import items as it
from orchestrator.store.base import RunStore
from orchestrator.store.dynamodb_schema import GSI1_NAME
from orchestrator.store.errors import ConditionFailedError

__all__ = ["DynamoRunStore"]

_SERIALIZER = _DESERIALIZER = dynamodb_types  # boto3's TypeSerializer/TypeDeserializer, boto3-free
_CONDITION_FAILED = "ConditionalCheckFailedException"
_CONDITION_FAILED_REASONS = frozenset({"ConditionalCheckFailed", _CONDITION_FAILED})  # a transaction's reason code
_TRANSACTION_RETRIES = 3


def _dump(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _SERIALIZER.serialize(v) for k, v in item.items()}


def _load(raw: Mapping[str, Any]) -> it.Item:
    item = {k: _DESERIALIZER.deserialize(v) for k, v in raw.items()}
    # Numbers come back as Decimal; the item layout only stores integers.
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in item.items()}


def _key(key: it.Key) -> dict[str, Any]:
    return {"PK": {"S": key[0]}, "SK": {"S": key[1]}}


def _response(exc: BaseException) -> Mapping[str, Any]:
    """The response of a refused request (botocore's ``ClientError`` and flowctl's
    ``DynamoDBError`` both carry it), or {} for any other exception."""
    response = getattr(exc, "response", None)
    return response if isinstance(response, Mapping) else {}


def _code(exc: BaseException) -> str:
    return str(_response(exc).get("Error", {}).get("Code", ""))


class DynamoRunStore(RunStore):
    """RunStore on the DynamoDB table ``table_name`` through a DynamoDB ``client`` (see above)."""

    def __init__(self, table_name: str, *, client: Any = None, **options: Any) -> None:
        super().__init__(**options)
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            from orchestrator.store.dynamodb_client import dynamodb_client

            self._client = dynamodb_client()
        return self._client

    # ------------------------------------------------------------------ hooks
    def _get_item(self, key: it.Key) -> it.Item | None:
        found = self.client.get_item(TableName=self.table_name, Key=_key(key), ConsistentRead=True)
        return _load(found["Item"]) if "Item" in found else None

    def _query(self, pk: str, sk_prefix: str = "") -> list[it.Item]:
        args: dict[str, Any] = {
            "TableName": self.table_name,
            "ConsistentRead": True,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
        }
        if sk_prefix:
            args["KeyConditionExpression"] += " AND begins_with(SK, :prefix)"
            args["ExpressionAttributeValues"][":prefix"] = {"S": sk_prefix}
        return list(self._pages(args))

    def _put_items(self, items: Sequence[it.Item]) -> None:
        for start in range(0, len(items), 25):  # BatchWriteItem takes 25 at a time
            pending: dict[str, Any] = {
                self.table_name: [{"PutRequest": {"Item": _dump(item)}} for item in items[start:start + 25]]
            }
            for _ in range(8):
                left = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not left:
                    break
                pending = left
            else:
                for request in pending.get(self.table_name, []):
                    self.client.put_item(TableName=self.table_name, Item=request["PutRequest"]["Item"])

    def _iter_query(self, pk: str, sk_prefix: str) -> Iterator[it.Item]:
        yield from self._pages({
            "TableName": self.table_name,
            "ConsistentRead": True,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": sk_prefix}},
        })

    def _pages(self, args: dict[str, Any]) -> Iterator[it.Item]:
        """Every item of a query, one page in memory at a time."""
        start: Any = None
        while True:
            page = self.client.query(**args, ExclusiveStartKey=start) if start else self.client.query(**args)
            for raw in page.get("Items", []):
                yield _load(raw)
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def _query_flow(self, gsi1pk: str, limit: int, after: it.Item | None) -> list[it.Item]:
        args: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": GSI1_NAME,
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": gsi1pk}},
            "ScanIndexForward": False,
        }
        start = _dump(after) if after else None
        found: list[it.Item] = []
        while len(found) < limit:
            page_args = dict(args, Limit=limit - len(found))
            if start:
                page_args["ExclusiveStartKey"] = start
            page = self.client.query(**page_args)
            found.extend(_load(raw) for raw in page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return found

    def _put_item(self, item: it.Item, *, if_absent: bool = False) -> None:
        args: dict[str, Any] = {"TableName": self.table_name, "Item": _dump(item)}
        if if_absent:
            args["ConditionExpression"] = "attribute_not_exists(PK)"
        try:
            self.client.put_item(**args)
        except Exception as exc:
            if _code(exc) == _CONDITION_FAILED:
                raise ConditionFailedError(f"item {item['PK']} {item['SK']} exists") from exc
            raise

    def _update_if_newer(
        self,
        key: it.Key,
        seq: int,
        set_always: it.Item,
        set_if_absent: it.Item,
        remove: Sequence[str],
    ) -> None:
        names: dict[str, str] = {"#seq": "status_seq"}
        values: dict[str, Any] = {":seq": {"N": str(seq)}}
        sets: list[str] = []
        for i, (name, value) in enumerate(set_always.items()):
            names[f"#a{i}"], values[f":a{i}"] = name, _SERIALIZER.serialize(value)
            sets.append(f"#a{i} = :a{i}")
        for i, (name, value) in enumerate(set_if_absent.items()):
            names[f"#b{i}"], values[f":b{i}"] = name, _SERIALIZER.serialize(value)
            sets.append(f"#b{i} = if_not_exists(#b{i}, :b{i})")
        expression = "SET " + ", ".join(sets)
        dropped = [r for r in remove if r not in set_always]
        if dropped:
            for i, name in enumerate(dropped):
                names[f"#r{i}"] = name
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(dropped)))
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key=_key(key),
                UpdateExpression=expression,
                ConditionExpression="attribute_not_exists(#seq) OR #seq < :seq",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except Exception as exc:
            if _code(exc) == _CONDITION_FAILED:
                raise ConditionFailedError(f"{key[0]} has a status as new as {seq}") from exc
            raise

    def _delete_item(self, key: it.Key) -> it.Item:
        try:
            old = self.client.delete_item(
                TableName=self.table_name,
                Key=_key(key),
                ConditionExpression="attribute_exists(PK)",
                ReturnValues="ALL_OLD",
            )
        except Exception as exc:
            if _code(exc) == _CONDITION_FAILED:
                raise ConditionFailedError(f"item {key[0]} {key[1]} is gone") from exc
            raise
        return _load(old["Attributes"])

    def _delete_items(self, keys: Sequence[it.Key]) -> None:
        actions = [
            {
                "Delete": {
                    "TableName": self.table_name,
                    "Key": _key(key),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            }
            for key in keys
        ]
        for attempt in range(_TRANSACTION_RETRIES):
            try:
                self.client.transact_write_items(TransactItems=actions)
                return
            except Exception as exc:
                if _code(exc) != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code", "") for r in _response(exc).get("CancellationReasons", [])]
                if _CONDITION_FAILED_REASONS.intersection(reasons) or not reasons:
                    raise ConditionFailedError("an item of the pair is gone") from exc
                if attempt == _TRANSACTION_RETRIES - 1:
                    raise ConditionFailedError(f"transaction conflict: {reasons}") from exc

    def _add_counters(
        self, key: it.Key, counters: Mapping[str, int], set_if_absent: it.Item, returning: bool = True
    ) -> it.Item | None:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        adds = []
        for i, (name, amount) in enumerate(counters.items()):
            names[f"#n{i}"], values[f":n{i}"] = name, {"N": str(int(amount))}
            adds.append(f"#n{i} :n{i}")
        sets = []
        for i, (name, value) in enumerate(set_if_absent.items()):
            names[f"#b{i}"], values[f":b{i}"] = name, _SERIALIZER.serialize(value)
            sets.append(f"#b{i} = if_not_exists(#b{i}, :b{i})")
        expression = " ".join(
            part
            for part in (
                "SET " + ", ".join(sets) if sets else "",
                "ADD " + ", ".join(adds) if adds else "",
            )
            if part
        )
        updated = self.client.update_item(
            TableName=self.table_name,
            Key=_key(key),
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW" if returning else "NONE",
        )
        return _load(updated["Attributes"]) if returning else None
