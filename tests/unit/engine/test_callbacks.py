"""GIVEN ``.waitForTaskToken`` tasks WHEN another thread (or the listener) sends the token's
success, failure or heartbeats THEN the task completes, fails or times out like in AWS; and
``stop`` aborts a running execution from another thread."""

from __future__ import annotations

import json
import threading

import pytest

from orchestrator.engine import Engine, UnknownTaskTokenError, VirtualClock

CALLBACK = {
    "StartAt": "Wait",
    "States": {
        "Wait": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}


def submitted_tokens(engine_holder: list[Engine], action) -> callable:
    def listener(event: dict) -> None:
        if event["type"] == "TaskScheduled":
            token = json.loads(event["taskScheduledEventDetails"]["parameters"])["Payload"]["token"]
            action(engine_holder[0], token)

    return listener


def test_send_task_success_from_another_thread_completes_the_task() -> None:
    tokens: list[str] = []
    got_token = threading.Event()

    def notify(event: dict, context: object) -> dict:
        tokens.append(event["token"])
        got_token.set()
        return {"sent": True}

    engine = Engine(CALLBACK, clock=VirtualClock(), handlers={"notify": notify})
    sender = threading.Thread(target=lambda: (got_token.wait(5), engine.send_task_success(tokens[0], {"ok": 1})))
    sender.start()
    r = engine.start({})
    sender.join()
    assert (r.status, r.output) == ("SUCCEEDED", {"ok": 1})
    assert "TaskSubmitted" in [e["type"] for e in r.history]
    with pytest.raises(UnknownTaskTokenError):
        engine.send_task_success(tokens[0], {})


def test_send_task_failure_fails_the_task_with_its_error() -> None:
    holder: list[Engine] = []
    engine = Engine(CALLBACK, clock=VirtualClock(), handlers={"notify": lambda e, c: None},
                    listener=submitted_tokens(holder, lambda eng, t: eng.send_task_failure(t, "Denied", "no")))
    holder.append(engine)
    r = engine.start({})
    assert (r.status, r.error, r.cause) == ("FAILED", "Denied", "no")


def test_missing_heartbeats_time_the_task_out() -> None:
    d = json.loads(json.dumps(CALLBACK))
    d["States"]["Wait"]["HeartbeatSeconds"] = 2
    engine = Engine(d, clock=VirtualClock(callback_time_scale=0.01), handlers={"notify": lambda e, c: None})
    r = engine.start({})
    assert (r.status, r.error) == ("FAILED", "States.HeartbeatTimeout")
    assert r.stop_date - r.start_date == pytest.approx(2, abs=0.5)


def test_heartbeats_keep_the_task_alive_until_its_timeout() -> None:
    d = json.loads(json.dumps(CALLBACK))
    d["States"]["Wait"].update(HeartbeatSeconds=1, TimeoutSeconds=3)
    holder: list[Engine] = []
    tokens: list[str] = []
    stop = threading.Event()

    def beat() -> None:
        while not stop.is_set():
            if tokens:
                try:
                    holder[0].send_task_heartbeat(tokens[0])
                except UnknownTaskTokenError:
                    return
            stop.wait(0.05)

    engine = Engine(d, clock=VirtualClock(callback_time_scale=0.3), handlers={"notify": lambda e, c: None},
                    listener=submitted_tokens(holder, lambda eng, t: tokens.append(t)))
    holder.append(engine)
    beater = threading.Thread(target=beat)
    beater.start()
    r = engine.start({})
    stop.set()
    beater.join()
    assert (r.status, r.error) == ("FAILED", "States.Timeout")


def test_stop_aborts_a_running_execution() -> None:
    d = {"StartAt": "W", "States": {"W": CALLBACK["States"]["Wait"]}}
    holder: list[Engine] = []
    engine = Engine(d, clock=VirtualClock(), handlers={"notify": lambda e, c: None},
                    listener=submitted_tokens(holder, lambda eng, t: threading.Thread(
                        target=eng.stop, args=("run", "Stopped", "by test")).start()))
    holder.append(engine)
    r = engine.start({}, execution_name="run")
    assert (r.status, r.error, r.cause) == ("ABORTED", "Stopped", "by test")
    assert r.history[-1]["type"] == "ExecutionAborted"
