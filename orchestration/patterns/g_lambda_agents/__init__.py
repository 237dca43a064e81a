"""Pattern G: `manager.py` (the conversation) and one Lambda per specialist."""

from .manager import LambdaAgents

__all__ = ["LambdaAgents"]
