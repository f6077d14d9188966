"""EventBridge event patterns, checked against the examples of AWS's EventBridge user guide
("Content filtering in Amazon EventBridge event patterns", "Comparison operators for use in event
patterns", "Matching events on event field values"): every operator, matching and not matching."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.flowlang.event_patterns import check_pattern, matches

EC2_EVENT = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}


def detail(**fields: Any) -> dict[str, Any]:
    return {"source": "test", "detail": fields}


CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # exact values, AND across fields, OR within a list
    (
        "exact",
        {
            "source": ["aws.ec2"],
            "detail-type": ["EC2 Instance State-change Notification"],
            "detail": {"state": ["terminated"]},
        },
        EC2_EVENT,
        True,
    ),
    (
        "exact other value",
        {"source": ["aws.ec2"], "detail": {"state": ["running"]}},
        EC2_EVENT,
        False,
    ),
    ("or within a list", {"detail": {"state": ["running", "terminated"]}}, EC2_EVENT, True),
    ("case-sensitive", {"source": ["AWS.EC2"]}, EC2_EVENT, False),
    ("string is not number", {"detail": {"n": ["5"]}}, detail(n=5), False),
    ("number", {"detail": {"n": [5]}}, detail(n=5.0), True),
    ("missing field", {"detail": {"missing": ["x"]}}, EC2_EVENT, False),
    # prefix
    ("prefix", {"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-02T18:43:48Z"}, True),
    ("prefix no", {"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-03T18:43:48Z"}, False),
    (
        "prefix ignore case",
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        detail(service="eventbridge"),
        True,
    ),
    (
        "prefix ignore case upper",
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        detail(service="EVENTBRIDGE"),
        True,
    ),
    (
        "prefix ignore case no",
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        detail(service="Lambda"),
        False,
    ),
    # suffix
    ("suffix", {"FileName": [{"suffix": ".png"}]}, {"FileName": "image.png"}, True),
    ("suffix no", {"FileName": [{"suffix": ".png"}]}, {"FileName": "image.PNG"}, False),
    (
        "suffix ignore case",
        {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}},
        detail(FileName="image.PNG"),
        True,
    ),
    # anything-but
    (
        "anything-but string",
        {"detail": {"state": [{"anything-but": "initializing"}]}},
        detail(state="running"),
        True,
    ),
    (
        "anything-but string no",
        {"detail": {"state": [{"anything-but": "initializing"}]}},
        detail(state="initializing"),
        False,
    ),
    (
        "anything-but number",
        {"detail": {"x-limit": [{"anything-but": 123}]}},
        detail(**{"x-limit": 124}),
        True,
    ),
    (
        "anything-but number no",
        {"detail": {"x-limit": [{"anything-but": 123}]}},
        detail(**{"x-limit": 123}),
        False,
    ),
    (
        "anything-but list",
        {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}},
        detail(state="running"),
        True,
    ),
    (
        "anything-but list no",
        {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}},
        detail(state="overloaded"),
        False,
    ),
    (
        "anything-but numbers",
        {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}},
        detail(**{"x-limit": 200}),
        False,
    ),
    (
        "anything-but missing field",
        {"detail": {"state": [{"anything-but": "initializing"}]}},
        detail(other=1),
        False,
    ),
    (
        "anything-but prefix",
        {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
        detail(state="running"),
        True,
    ),
    (
        "anything-but prefix no",
        {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
        detail(state="initializing"),
        False,
    ),
    (
        "anything-but suffix",
        {"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}},
        detail(FileName="notes.txt"),
        False,
    ),
    (
        "anything-but suffix yes",
        {"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}},
        detail(FileName="image.png"),
        True,
    ),
    (
        "anything-but ignore case",
        {
            "detail": {
                "state": [{"anything-but": {"equals-ignore-case": ["Stopped", "OverLoaded"]}}]
            }
        },
        detail(state="STOPPED"),
        False,
    ),
    (
        "anything-but ignore case yes",
        {
            "detail": {
                "state": [{"anything-but": {"equals-ignore-case": ["Stopped", "OverLoaded"]}}]
            }
        },
        detail(state="running"),
        True,
    ),
    (
        "anything-but wildcard",
        {"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}},
        detail(FilePath="/usr/lib/x.so"),
        False,
    ),
    (
        "anything-but wildcard yes",
        {"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}},
        detail(FilePath="/usr/bin/x"),
        True,
    ),
    (
        "anything-but wildcards",
        {"detail": {"FilePath": [{"anything-but": {"wildcard": ["*/lib/*", "*/bin/*"]}}]}},
        detail(FilePath="/usr/bin/x"),
        False,
    ),
    # numeric
    (
        "numeric",
        {
            "detail": {
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"numeric": ["=", 3.018e2]}],
            }
        },
        detail(**{"c-count": 5, "d-count": 9.5, "x-limit": 301.8}),
        True,
    ),
    (
        "numeric lower bound",
        {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}},
        detail(**{"c-count": 0}),
        False,
    ),
    (
        "numeric upper bound",
        {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}},
        detail(**{"c-count": 5.01}),
        False,
    ),
    (
        "numeric on a string",
        {"detail": {"c-count": [{"numeric": [">", 0]}]}},
        detail(**{"c-count": "5"}),
        False,
    ),
    ("numeric >=", {"detail": {"n": [{"numeric": [">=", 10]}]}}, detail(n=10), True),
    # IP addresses
    (
        "cidr",
        {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
        detail(sourceIPAddress="10.0.0.255"),
        True,
    ),
    (
        "cidr no",
        {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
        detail(sourceIPAddress="10.0.1.1"),
        False,
    ),
    (
        "cidr ipv6",
        {"detail": {"sourceIPAddress": [{"cidr": "2001:db8::/32"}]}},
        detail(sourceIPAddress="2001:db8::1"),
        True,
    ),
    (
        "cidr not an ip",
        {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
        detail(sourceIPAddress="x"),
        False,
    ),
    # exists
    ("exists", {"detail": {"state": [{"exists": True}]}}, EC2_EVENT, True),
    ("exists no", {"detail": {"state": [{"exists": True}]}}, detail(other=1), False),
    ("not exists", {"detail": {"state": [{"exists": False}]}}, detail(other=1), True),
    ("not exists no", {"detail": {"state": [{"exists": False}]}}, EC2_EVENT, False),
    ("not exists, no detail", {"detail": {"state": [{"exists": False}]}}, {"source": "x"}, True),
    # equals-ignore-case
    (
        "equals-ignore-case",
        {"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]},
        EC2_EVENT,
        True,
    ),
    (
        "equals-ignore-case no",
        {"detail-type": [{"equals-ignore-case": "ec2 instance"}]},
        EC2_EVENT,
        False,
    ),
    # wildcard
    (
        "wildcard",
        {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
        {"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"},
        True,
    ),
    (
        "wildcard no",
        {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
        {"EventBusArn": "arn:aws:events:us-west-2:123456789012:event-bus/default"},
        False,
    ),
    (
        "wildcard file",
        {"detail": {"FilePath": [{"wildcard": "dir/*.png"}]}},
        detail(FilePath="dir/a/b.png"),
        True,
    ),
    ("wildcard escaped star", {"detail": {"v": [{"wildcard": "a\\*b"}]}}, detail(v="a*b"), True),
    (
        "wildcard escaped star no",
        {"detail": {"v": [{"wildcard": "a\\*b"}]}},
        detail(v="axb"),
        False,
    ),
    # $or
    (
        "or",
        {
            "detail": {
                "$or": [
                    {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                    {"d-count": [{"numeric": ["<", 10]}]},
                    {"x-limit": [{"numeric": ["=", 3.018e2]}]},
                ]
            }
        },
        detail(**{"c-count": 50, "d-count": 5}),
        True,
    ),
    (
        "or none",
        {
            "detail": {
                "$or": [
                    {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                    {"d-count": [{"numeric": ["<", 10]}]},
                ]
            }
        },
        detail(**{"c-count": 50, "d-count": 50}),
        False,
    ),
    (
        "or at top level",
        {
            "source": ["aws.cloudwatch"],
            "$or": [
                {"metricName": ["CPUUtilization", "ReadLatency"]},
                {"namespace": ["AWS/EC2", "AWS/ES"]},
            ],
        },
        {"source": "aws.cloudwatch", "metricName": "NetworkIn", "namespace": "AWS/EC2"},
        True,
    ),
    (
        "or at top level, and",
        {
            "source": ["aws.cloudwatch"],
            "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}],
        },
        {"source": "aws.ec2", "metricName": "CPUUtilization"},
        False,
    ),
    # arrays, null and empty values
    (
        "array intersects",
        {
            "resources": [
                "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
                "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
            ]
        },
        {
            "resources": [
                "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
                "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f2",
            ]
        },
        True,
    ),
    (
        "array disjoint",
        {"resources": ["arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]},
        {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]},
        False,
    ),
    (
        "null",
        {"source": ["aws.autoscaling"], "detail": {"responseElements": [None]}},
        {"source": "aws.autoscaling", "detail": {"eventVersion": "", "responseElements": None}},
        True,
    ),
    (
        "empty string",
        {"detail": {"eventVersion": [""]}},
        {"detail": {"eventVersion": "", "responseElements": None}},
        True,
    ),
    (
        "null is not empty",
        {"detail": {"responseElements": [""]}},
        {"detail": {"responseElements": None}},
        False,
    ),
    (
        "nested values",
        {
            "source": ["aws.macie"],
            "detail-type": ["Macie Finding"],
            "detail": {"severity": {"score": [1]}, "count": [2]},
        },
        {
            "source": "aws.macie",
            "detail-type": "Macie Finding",
            "detail": {"severity": {"score": 1, "description": "Low"}, "count": 2},
        },
        True,
    ),
    (
        "complex",
        {
            "time": [{"prefix": "2017-10-02"}],
            "detail": {
                "state": [{"anything-but": "initializing"}],
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"anything-but": [100, 200, 300]}],
            },
        },
        {
            "time": "2017-10-02T18:43:48Z",
            "detail": {"state": "running", "c-count": 3, "d-count": 2, "x-limit": 301.8},
        },
        True,
    ),
]


@pytest.mark.parametrize(("name", "pattern", "event", "expected"), CASES, ids=[c[0] for c in CASES])
def test_pattern_matches_like_eventbridge(
    name: str, pattern: dict[str, Any], event: dict[str, Any], expected: bool
) -> None:
    assert check_pattern(pattern) == []
    assert matches(pattern, event) is expected


@pytest.mark.parametrize(
    "pattern",
    [
        {"source": "aws.ec2"},
        {"detail": {"n": [{"numeric": [">", "x"]}]}},
        {"detail": {"n": [{"numeric": ["~", 1]}]}},
        {"detail": {"n": [{"cidr": "10.0.0.0/99"}]}},
        {"detail": {"n": [{"exists": "yes"}]}},
        {"detail": {"n": [{"contains": "x"}]}},
        {"detail": {"n": [{"anything-but": [1, "a"]}]}},
        {"$or": [{"a": ["b"]}]},
        {"source": []},
    ],
)
def test_invalid_patterns_are_reported(pattern: dict[str, Any]) -> None:
    problems = check_pattern(pattern)
    assert problems and all(p.where.startswith("/") for p in problems)


def test_validate_reports_a_bad_trigger_pattern(tmp_path) -> None:
    import json

    from orchestrator.compiler.validate import validate_flow_file
    from orchestrator.errors import FlowctlError

    flow = {"name": "bad", "triggers": [{"pattern": {"detail": {"n": [{"numeric": [">", "x"]}]}}}],
            "nodes": {"a": {"set": {"x": 1}}}}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(flow))
    with pytest.raises(FlowctlError) as caught:
        validate_flow_file(path)
    assert [p.where for p in caught.value.problems] == ["/triggers/0/pattern/detail/n/0"]
