"""Load YAML safely: no code (the safe loader), and no unbounded expansion.

The safe loader still expands aliases. Nine lines of ``&a: [*b, *b, ...]`` describe
a billion strings ("billion laughs"); reading them through a field that turns a
value into text (a key, ``applies_to.kernel``) took 4 GB and kept growing. The
document is composed first, into a graph where an alias is one shared node, and
the size that graph would have once expanded is counted, without expanding it,
before anything is constructed. A document over the budget is refused as
malformed YAML, naming the line.
"""

from __future__ import annotations

from typing import Any

import yaml

# Nodes a document may expand to (a KB entry has a few hundred), and characters
# of scalars (a generous entry has ~10,000).
MAX_EXPANDED_NODES = 50_000
MAX_EXPANDED_CHARS = 4_000_000
# Aliases a document may use at all: entries do not need them, but a few (`&fix`
# reused once) are harmless.
MAX_ALIASES = 100
# Nesting deeper than this is no KB entry, and would exhaust Python's stack.
MAX_DEPTH = 64


class ExpansionError(yaml.YAMLError):
    """The document would expand beyond the budget; `problem` and `problem_mark`
    as in PyYAML's own errors, so callers report it like any malformed YAML."""

    def __init__(self, problem: str, mark: Any = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark
        self.context_mark = None


def load(text: str, loader_class: type) -> Any:
    """Like ``yaml.load(text, Loader=loader_class)`` (a SafeLoader subclass), with
    the expansion budget checked before construction."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def check_expansion(root: Any) -> None:
    """Raise ExpansionError if the node graph expands beyond the budget.

    Each distinct node is visited once (iteratively: no recursion); its expanded
    size is the sum of its children's, so a chain of aliases is counted at its full
    expanded size in time linear in the document."""
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, chars) once expanded
    aliases = 0
    seen: set[int] = set()
    stack: list[tuple[Any, bool, int]] = [(root, False, 0)]
    while stack:
        node, children_done, depth = stack.pop()
        key = id(node)
        if children_done:
            nodes, chars = 1, 0
            for child in _children(node):
                n, c = sizes[id(child)]
                nodes += n
                chars += c
            if isinstance(node, yaml.ScalarNode):
                chars += len(node.value)
            sizes[key] = (nodes, chars)
            if nodes > MAX_EXPANDED_NODES or chars > MAX_EXPANDED_CHARS:
                raise ExpansionError(
                    f"aliases expand it beyond {MAX_EXPANDED_NODES:,} values or "
                    f"{MAX_EXPANDED_CHARS:,} characters", node.start_mark)
            continue
        if key in seen:
            if key not in sizes:  # reached again while still being expanded: a cycle
                raise ExpansionError("an alias refers to the value that holds it", node.start_mark)
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ExpansionError(f"more than {MAX_ALIASES} aliases", node.start_mark)
            continue
        seen.add(key)
        if depth > MAX_DEPTH:
            raise ExpansionError(f"nested deeper than {MAX_DEPTH} levels", node.start_mark)
        stack.append((node, True, depth))
        for child in _children(node):
            stack.append((child, False, depth + 1))


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
