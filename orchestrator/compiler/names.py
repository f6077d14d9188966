"""Names the compiler gives to things: substitution placeholders, variables, state names."""

from __future__ import annotations

__all__ = ["MAX_STATE_NAME", "function_arn_substitution", "pascal", "state_machine_arn_substitution"]

MAX_STATE_NAME = 80


def pascal(name: str) -> str:
    """``get_image`` / ``kyc-check`` → ``GetImage`` / ``KycCheck``."""
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", "_").split("_") if part)


def function_arn_substitution(function: str) -> str:
    """DefinitionSubstitutions key of a function's ARN: ``get_image`` → ``GetImageFunctionArn``."""
    return f"{pascal(function)}FunctionArn"


def state_machine_arn_substitution(flow: str) -> str:
    """DefinitionSubstitutions key of a flow's state machine ARN: ``kyc-verify`` → ``KycVerifyStateMachineArn``."""
    return f"{pascal(flow)}StateMachineArn"
