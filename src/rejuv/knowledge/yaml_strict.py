"""A YAML loader that refuses duplicate keys.

PyYAML keeps the last of two equal keys without a word, which would let a reviewer's correction be silently
overridden by a stale line further down. Here a duplicate is an error naming the key path and both lines.
"""

from __future__ import annotations

from typing import Any

import yaml


class DuplicateKeyError(ValueError):
    def __init__(self, path: str, key: str, first_line: int, second_line: int) -> None:
        self.path = path
        self.key = key
        super().__init__(f"duplicate key '{key}' (lines {first_line} and {second_line})")


# libyaml's parser when PyYAML was built with it (the wheels are): several times faster at loading the base.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    pass


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise DuplicateKeyError("", str(key), seen[key], line)
        seen[key] = line
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=deep)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str) -> Any:
    """Parse YAML text with duplicate keys refused. Dates stay `datetime.date` as YAML defines them."""
    return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no arbitrary objects
