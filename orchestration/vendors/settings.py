"""Settings: where each vendor's calls go (its own service, the local model, or offline) and which model.

Each vendor is decided on its own: OpenAI is real with an API key (or a base URL of a compatible
server), Anthropic with an API key (or a base URL of a compatible server), AWS with an access key
pair. Whatever is not configured is served through the same SDK by a local model when
`LOCAL_MODEL_URL` names an OpenAI-compatible server (see `local_model.py`), else by the offline model
(rule-based). `Settings.mode` says which.

Settings are read per session or per run (`Settings.from_sources`), never process-wide. Keys stay in
`Settings`; `Settings.secrets()` lists them so a `Trace` can scrub them, and `repr` never shows them.
The SDK clients built from them are in `clients.py`; this module imports nothing of the project.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

Vendor = Literal["openai", "anthropic", "aws"]
Mode = Literal["real", "local", "offline"]


@dataclass(frozen=True)
class Settings:
    """Where each vendor's calls go. Empty keys mean offline."""

    openai_api_key: str = field(default="", repr=False)
    """OpenAI (or compatible server) API key."""
    openai_base_url: str = ""
    """Base URL of an OpenAI-compatible server; empty for api.openai.com."""
    openai_model: str = "gpt-4.1-mini"
    """Model id for OpenAI calls."""
    openai_agents_api: str = ""
    """API the Agents SDK patterns use: `responses` or `chat_completions`; empty: Responses for
    OpenAI itself, Chat Completions for a local model (many compatible servers lack Responses)."""
    anthropic_api_key: str = field(default="", repr=False)
    """Anthropic API key."""
    anthropic_base_url: str = ""
    """Base URL of an Anthropic-compatible server (llama.cpp's serves `/v1/messages`); empty for Anthropic's."""
    anthropic_model: str = "claude-sonnet-4-6"
    """Model id for Anthropic calls."""
    aws_access_key_id: str = field(default="", repr=False)
    """AWS access key id."""
    aws_secret_access_key: str = field(default="", repr=False)
    """AWS secret access key."""
    aws_session_token: str = field(default="", repr=False)
    """AWS session token, for temporary credentials."""
    aws_region: str = "us-east-1"
    """AWS region for Bedrock and Lambda."""
    bedrock_model_id: str = "amazon.nova-lite-v1:0"
    """Bedrock model (or inference profile) id for Converse calls."""
    bedrock_agent_id: str = ""
    """Pattern B's deployed Bedrock agent id (real AWS only; offline it is deployed for you)."""
    bedrock_agent_alias_id: str = ""
    """Pattern B's agent alias id."""
    bedrock_availability_agent_id: str = ""
    """Pattern F's availability agent id."""
    bedrock_availability_agent_alias_id: str = ""
    """Pattern F's availability agent alias id."""
    bedrock_booking_agent_id: str = ""
    """Pattern F's booking agent id."""
    bedrock_booking_agent_alias_id: str = ""
    """Pattern F's booking agent alias id."""
    bedrock_return_control: str = ""
    """Non-empty: offline Bedrock agents hand each action back to your code (RETURN_CONTROL) instead of
    invoking their Lambda — what an action group set to return control does on AWS."""
    offline_faults: str = ""
    """Faults the offline model shows, e.g. `slow=300,malformed=invalid_json` (see offline/faults.py)."""
    lambda_mode: str = "local"
    """`local`: the project's functions run in-process; `aws`: `lambda.invoke` on deployed ones."""
    lambda_prefix: str = ""
    """Prefix of the deployed functions' names on AWS (e.g. `court-` for `court-booking-agent`)."""
    local_model_url: str = ""
    """An OpenAI-compatible server (e.g. `http://127.0.0.1:8080/v1`) that drives every vendor without a key."""
    local_model: str = "local"
    """The model name to ask that server for."""
    model_timeout_s: str = ""
    """Seconds to wait for one model call; empty: 60 for a hosted vendor, 300 for a local server."""
    model_retries: str = ""
    """Retries of a failed model call; empty: 2 for a hosted vendor, 0 for a local server."""
    max_tokens: str = "800"
    """The most tokens a local server may write in one answer (sent when a request sets none)."""
    temperature: str = ""
    """Sampling temperature sent to a local server when a request sets none; empty: the server's own."""
    safeguards: str = "off"
    """`off`: each pattern as the article writes it; `on`: with the playground's own checks
    (orchestration/safeguards.py)."""
    cassette: str = ""
    """The run's cassette (`cassette.activate`): `record:N` keeps every model call, `replay:N` answers each
    from the recording (every vendor then goes to the emulated services)."""

    _ENV = {
        "openai_api_key": ("OPENAI_API_KEY",),
        "openai_base_url": ("OPENAI_BASE_URL",),
        "openai_model": ("OPENAI_MODEL",),
        "openai_agents_api": ("OPENAI_AGENTS_API",),
        "anthropic_api_key": ("ANTHROPIC_API_KEY",),
        "anthropic_base_url": ("ANTHROPIC_BASE_URL",),
        "anthropic_model": ("ANTHROPIC_MODEL",),
        "aws_access_key_id": ("AWS_ACCESS_KEY_ID",),
        "aws_secret_access_key": ("AWS_SECRET_ACCESS_KEY",),
        "aws_session_token": ("AWS_SESSION_TOKEN",),
        "aws_region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
        "bedrock_model_id": ("BEDROCK_MODEL_ID",),
        "bedrock_agent_id": ("BEDROCK_AGENT_ID",),
        "bedrock_agent_alias_id": ("BEDROCK_AGENT_ALIAS_ID",),
        "bedrock_availability_agent_id": ("BEDROCK_AVAILABILITY_AGENT_ID",),
        "bedrock_availability_agent_alias_id": ("BEDROCK_AVAILABILITY_AGENT_ALIAS_ID",),
        "bedrock_booking_agent_id": ("BEDROCK_BOOKING_AGENT_ID",),
        "bedrock_booking_agent_alias_id": ("BEDROCK_BOOKING_AGENT_ALIAS_ID",),
        "bedrock_return_control": ("BEDROCK_RETURN_CONTROL",),
        "offline_faults": ("OFFLINE_MODEL_FAULTS",),
        "lambda_mode": ("LAMBDA_MODE",),
        "lambda_prefix": ("LAMBDA_FUNCTION_PREFIX",),
        "local_model_url": ("LOCAL_MODEL_URL",),
        "local_model": ("LOCAL_MODEL",),
        "model_timeout_s": ("MODEL_TIMEOUT_S",),
        "model_retries": ("MODEL_RETRIES",),
        "max_tokens": ("MODEL_MAX_TOKENS",),
        "temperature": ("MODEL_TEMPERATURE",),
        "safeguards": ("SAFEGUARDS",),
        "cassette": ("ORCHESTRATION_CASSETTE",),
    }

    @classmethod
    def from_sources(cls, *sources: Mapping[str, Any]) -> Settings:
        """Settings from mappings such as `os.environ` or `st.secrets`; later sources win.

        Keys may be environment-style (`OPENAI_API_KEY`) or field names (`openai_api_key`).
        """
        values: dict[str, str] = {}
        for source in sources:
            for name in cls._field_names():
                for key in (name, *cls._ENV[name]):
                    value = source.get(key) if hasattr(source, "get") else None
                    if isinstance(value, str) and value.strip():
                        values[name] = value.strip()
        return cls(**values)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment."""
        return cls.from_sources(os.environ if env is None else env)

    @classmethod
    def _field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def mode(self, vendor: Vendor) -> Mode:
        """Where calls to `vendor` go: its own service (or a server given for it), the local model, or offline."""
        configured = {
            "openai": bool(self.openai_api_key or self.openai_base_url),
            "anthropic": bool(self.anthropic_api_key or self.anthropic_base_url),
            "aws": bool(self.aws_access_key_id and self.aws_secret_access_key),
        }[vendor]
        if self.cassette.startswith("replay:"):
            return "offline"  # the emulated services, answering from the recording
        return "real" if configured else ("local" if self.local_model_url else "offline")

    def timeout(self, vendor: Vendor | None = None) -> float:
        """Seconds one model call may take (`vendor` None: a call to the local server)."""
        local = vendor is None or self.mode(vendor) == "local"
        return float(self.model_timeout_s or (300 if local else 60))

    def retries(self, vendor: Vendor | None = None) -> int:
        """How often a failed model call is retried (a runaway generation on a CPU server is not)."""
        local = vendor is None or self.mode(vendor) == "local"
        return int(self.model_retries or (0 if local else 2))

    @property
    def safeguards_on(self) -> bool:
        """Whether the playground's own checks run around the patterns (`orchestration/safeguards.py`)."""
        return self.safeguards.strip().lower() == "on"

    def as_env(self) -> dict[str, str]:
        """These settings as environment variables, for the project's Lambda functions."""
        return {self._ENV[name][0]: value for name in self._field_names()
                if isinstance(value := getattr(self, name), str) and value}

    def models(self) -> dict[Vendor, str]:
        """The configured model id of each vendor."""
        return {"openai": self.openai_model, "anthropic": self.anthropic_model, "aws": self.bedrock_model_id}

    @staticmethod
    def secret_fields() -> tuple[str, ...]:
        """The names of the fields that hold secrets."""
        return ("openai_api_key", "anthropic_api_key", "aws_access_key_id", "aws_secret_access_key",
                "aws_session_token")

    def secrets(self) -> list[str]:
        """Every secret value, so traces and logs can scrub them."""
        return [value for name in self.secret_fields() if (value := getattr(self, name))]

    def scrub(self, text: str) -> str:
        """`text` with every secret replaced by `***`: for text that crosses from one vendor's call to another's."""
        for secret in sorted((s for s in self.secrets() if len(s) >= 4), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text
