"""Pattern F: `manager.py` (the conversation) and one Bedrock agent definition per specialist."""

from .manager import ManagerBedrock

__all__ = ["ManagerBedrock"]
