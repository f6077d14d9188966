"""Translate a SAM template to plain CloudFormation with aws-sam-translator (offline).

This is the ``AWS::Serverless-2016-10-31`` transform that CloudFormation applies on deploy, run
locally: for an endpoint that lacks it (moto's CloudFormation drops Serverless resources).
Managed policies are not looked up (flowctl's templates name policies by ARN or template only).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import boto3

from orchestrator.deploy.errors import DeployError

__all__ = ["translate"]


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Silence a chatty library logger for a block (the translator warns about feature toggles)."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def translate(template: Mapping[str, Any], parameters: Mapping[str, str], region: str) -> dict[str, Any]:
    """CloudFormation for the SAM ``template`` in ``region``, given ``parameters`` values.

    ``template`` is not changed. Conditions and ``Fn::If`` are left for CloudFormation (see
    :func:`orchestrator.deploy.conditions.apply_conditions`). Raises :class:`DeployError` listing every problem the translator finds.
    """
    try:
        from samtranslator.model.exceptions import InvalidDocumentException
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.translator import Translator
        from samtranslator.utils.py27hash_fix import (
            to_py27_compatible_template,
            undo_mark_unicode_str_in_template,
        )
    except ImportError:
        raise DeployError("aws-sam-translator is not installed", hint="pip install 'flowctl-sfn[deploy]' (or aws-sam-translator, which comes with cfn-lint)") from None
    fragment = copy.deepcopy(dict(template))  # the translator rewrites what it is given
    values = dict(parameters)
    to_py27_compatible_template(fragment, values)
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    try:
        with _quiet("samtranslator"):
            translated = translator.translate(fragment, parameter_values=values, get_managed_policy_map=dict)
    except InvalidDocumentException as exc:
        causes = "\n".join(f"  - {cause.message}" for cause in exc.causes)
        raise DeployError(f"the SAM template does not translate:\n{causes}", hint="fix template.yaml (`flowctl synth`)") from None
    result: dict[str, Any] = undo_mark_unicode_str_in_template(translated)
    return result
