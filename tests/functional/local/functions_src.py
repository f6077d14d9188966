"""Node functions of the local-run tests' throw-away projects, as source text: ``flaky`` fails
on its first attempt, ``broken`` always fails."""

FUNCTIONS = {
    "flaky": '''from orchestrator.runtime import node


def handle(inputs, ctx):
    if ctx.attempt == 0:
        raise RuntimeError("flaky upstream")
    return {"ok": True}


lambda_handler = node(handle)
''',
    "broken": '''from orchestrator.runtime import node


def handle(inputs):
    raise ValueError("always broken")


lambda_handler = node(handle)
''',
}
