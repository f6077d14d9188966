"""Choice: picks the ``Next`` of the first matching rule, else ``Default``, else fails with
``States.NoChoiceMatched``.

JSONPath rules compare a ``Variable``; JSONata rules have a ``Condition``. A rule may carry its
own ``Assign`` (and ``Output`` in JSONata): its :class:`Route`; the state-level ones apply when
``Default`` is taken. The output is the effective input (through ``OutputPath``).
"""

from __future__ import annotations

from typing import Any

from orchestrator.engine.choice_rules import Predicate, compile_condition, compile_rule
from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.execution import Strand
from orchestrator.engine.payload_templates import compile_jsonata_value
from orchestrator.engine.scope import Env
from orchestrator.engine.states.base import BuildContext, Route, State
from orchestrator.engine.states.fields import compile_assign

__all__ = ["ChoiceState"]


class ChoiceState(State):
    type = "Choice"
    fields = frozenset({"Choices", "Default", "InputPath", "OutputPath", "Assign", "Output"})
    has_transition = False

    def __init__(self, name: str, spec: dict[str, Any], where: str, ctx: BuildContext) -> None:
        super().__init__(name, spec, where, ctx)
        if "Next" in spec or "End" in spec:
            raise AslDefinitionError("A Choice state can not have 'Next' or 'End'", where)
        choices = spec.get("Choices")
        if not isinstance(choices, list) or not choices:
            raise AslDefinitionError("These fields are required: [Choices]", where)
        self.default: str | None = spec.get("Default")
        self.rules: list[tuple[Predicate, Route]] = []
        for i, rule in enumerate(choices):
            at = f"{where}/Choices/{i}"
            if not isinstance(rule, dict) or not isinstance(rule.get("Next"), str):
                raise AslDefinitionError("These fields are required: [Next]", at)
            if self.jsonata:
                extra = set(rule) - {"Condition", "Next", "Comment", "Assign", "Output"}
                if extra:
                    raise AslDefinitionError(f"Field '{sorted(extra)[0]}' is not supported in a JSONata choice rule", at)
                if "Condition" not in rule:
                    raise AslDefinitionError("These fields are required: [Condition]", at)
                predicate = compile_condition(rule["Condition"], f"{at}/Condition")
                output = compile_jsonata_value(rule["Output"], f"{at}/Output", "Output") if "Output" in rule else None
            else:
                if "Condition" in rule or "Output" in rule:
                    raise AslDefinitionError(
                        "The fields 'Condition' and 'Output' are not supported when the query language is JSONPath", at
                    )
                predicate = compile_rule({k: v for k, v in rule.items() if k != "Assign"}, at)
                output = None
            assign = compile_assign(rule["Assign"], f"{at}/Assign", self.jsonata) if "Assign" in rule else None
            self.rules.append((predicate, Route(rule["Next"], output=output, assign=assign, output_path=self.output_path)))
        self.default_route = self.make_route(self.default)

    def targets(self) -> list[tuple[str, str]]:
        out = [(rule["Next"], f"{self.where}/Choices/{i}/Next") for i, rule in enumerate(self.spec["Choices"])]
        if self.default is not None:
            out.append((self.default, f"{self.where}/Default"))
        return out

    def work(self, strand: Strand, env: Env, effective: Any) -> Route:
        """The route of the first rule that matches, else the ``Default`` route."""
        test_env = env if self.jsonata else env.with_input(effective)
        for predicate, route in self.rules:
            if predicate(test_env):
                return route
        if self.default is None:
            raise StatesError("States.NoChoiceMatched", "No Matches!")
        return self.default_route
