"""Rasa's model graph run in plain Python, without dask.

Rasa runs its NLU pipeline and its policies as a graph on every shopper message and every
prediction (two or three per message). ``DaskGraphRunner`` rebuilds the needed part of the graph
for each run and hands it to ``dask.get``, which orders and schedules it, one task after the other
in this one thread anyway: that bookkeeping was a tenth of the Rasa process's CPU under 32
shoppers (py-spy, issue 16), more than its logistic-regression intent classifier. Here the order
of each set of targets is found once, and each run calls the same graph nodes, with the same inputs,
in that order.
"""

from __future__ import annotations

import graphlib
from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner


class SequentialGraphRunner(DaskGraphRunner):
    """``DaskGraphRunner.run`` without dask: same nodes, inputs, results and errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, ...], list[tuple[str, list[str]]]] = {}

    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        """The targets' outputs by name (all targets of the graph if none are given)."""
        run_targets = tuple(targets or self._graph_schema.target_names)
        # As dask passes them: an input as (name, value), a node's result as its (name, output), and
        # a name nothing provides as the bare name (the node then says what it misses).
        results: dict[str, Any] = {name: (name, value) for name, value in (inputs or {}).items()}
        try:
            for node_name, needs in self._plan(run_targets):
                results[node_name] = self._instantiated_nodes[node_name](*(results.get(need, need) for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)

    def _plan(self, targets: tuple[str, ...]) -> list[tuple[str, list[str]]]:
        """The nodes ``targets`` depend on, each after what it needs, with the names it needs."""
        if targets not in self._plans:
            nodes = self._graph_schema.minimal_graph_schema(list(targets)).nodes
            order = graphlib.TopologicalSorter(
                {name: [need for need in node.needs.values() if need in nodes] for name, node in nodes.items()}
            ).static_order()
            self._plans[targets] = [(name, list(nodes[name].needs.values())) for name in order]
        return self._plans[targets]
