"""get_runtime: one runtime per environment, cached while its variables do not change."""

from __future__ import annotations

import os

from orchestrator.runtime import get_runtime


def test_the_runtime_is_reused_while_the_environment_does_not_change():
    # GIVEN the runtime of the environment (the autouse fixture sets FLOWCTL_HOME and the service)
    first = get_runtime()
    # WHEN @node asks again, with nothing changed
    # THEN it gets the same runtime (a warm Lambda keeps its clients)
    assert get_runtime() is first
    assert first.service == "flowctl-test"


def test_a_changed_variable_gives_a_new_runtime(monkeypatch, tmp_path):
    # GIVEN the runtime of the environment
    first = get_runtime()
    # WHEN a variable it reads is set, changed, unset, then set back to its first value
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "billing")
    billing = get_runtime()
    monkeypatch.setenv("FLOWCTL_PAYLOAD_BUCKET", "payloads-bucket")
    bucket = get_runtime()
    monkeypatch.delenv("FLOWCTL_PAYLOAD_BUCKET")
    unset = get_runtime()
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "flowctl-test")
    back = get_runtime()
    # THEN every change is honoured at once, and a variable it does not read changes nothing
    assert billing is not first and billing.service == "billing"
    assert bucket.payloads.bucket == "payloads-bucket"
    assert unset is not bucket and unset.payloads.bucket is None and unset.service == "billing"
    assert back.service == "flowctl-test" and back.payloads.bucket is None
    monkeypatch.setenv("FLOWCTL_UNRELATED", "x")
    assert get_runtime() is back


def test_a_variable_set_or_deleted_through_os_environ_is_honoured():
    # GIVEN the runtime of the environment
    first = get_runtime()
    # WHEN the variable is changed through os.environ's item assignment and deletion
    os.environ["POWERTOOLS_SERVICE_NAME"] = "éléphant"  # (restored by the fixture's monkeypatch)
    changed = get_runtime()
    del os.environ["POWERTOOLS_SERVICE_NAME"]
    removed = get_runtime()
    # THEN each change gives the runtime of the new values (non-ASCII values too)
    assert changed is not first and changed.service == "éléphant"
    assert removed.service == "flowctl"


def test_an_explicit_mapping_or_a_replaced_os_environ_is_read_as_a_mapping(monkeypatch, tmp_path):
    # GIVEN an explicit environment, then os.environ replaced by a plain dict (as some tests do)
    explicit = get_runtime({"POWERTOOLS_SERVICE_NAME": "explicit", "FLOWCTL_HOME": str(tmp_path)})
    monkeypatch.setattr(os, "environ", {"POWERTOOLS_SERVICE_NAME": "replaced", "FLOWCTL_HOME": str(tmp_path)})
    replaced = get_runtime()
    # THEN each gives the runtime its values describe, the same while they do not change
    assert explicit.service == "explicit"
    assert replaced.service == "replaced" and get_runtime() is replaced
    os.environ["POWERTOOLS_SERVICE_NAME"] = "changed"
    assert get_runtime().service == "changed"


def test_the_same_values_read_from_an_explicit_mapping_reuse_the_runtime(tmp_path):
    # GIVEN the runtime built from an explicit mapping equal to os.environ's variables
    values = {name: os.environ[name] for name in ("FLOWCTL_HOME", "POWERTOOLS_SERVICE_NAME")}
    explicit = get_runtime(values)
    # WHEN @node asks for the environment's runtime
    # THEN it is the same runtime (the same values describe it), and stays so
    assert get_runtime() is explicit
    assert get_runtime() is explicit
