"""The guidance knowledge base: topics, steps, incidents and reporting routes."""

from bot.guidance.knowledge.loader import (
    Incident,
    KnowledgeBase,
    ReportingRoute,
    default_knowledge_base,
    load_knowledge_base,
)
from bot.guidance.knowledge.schema import TOPIC_IDS, KnowledgeBaseError, Step, Topic

__all__ = [
    "TOPIC_IDS",
    "Step",
    "Incident",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "ReportingRoute",
    "Topic",
    "default_knowledge_base",
    "load_knowledge_base",
]
