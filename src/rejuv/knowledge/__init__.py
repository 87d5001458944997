"""The knowledge base: reviewed, cited YAML in `data/`, loaded strictly into immutable models."""

from rejuv.knowledge.loader import KnowledgeBase, load_knowledge_base

__all__ = ["KnowledgeBase", "load_knowledge_base"]
