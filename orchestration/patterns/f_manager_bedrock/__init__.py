"""Pattern F: `manager.py` (the conversation) and one Bedrock agent definition per specialist.

May import what a pattern may (see `patterns/__init__.py`), and B's agent (`b_bedrock_agent.py`)."""

from .manager import ManagerBedrock

__all__ = ["ManagerBedrock"]
