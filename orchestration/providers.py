"""Settings and the vendor SDK clients built from them — each real when configured, else offline.

Each vendor is decided on its own: OpenAI is real with an API key (or a base URL, for Ollama, vLLM,
llama.cpp and other compatible servers), Anthropic with an API key, AWS with an access key pair.
Whatever is not configured is served by the offline model (rule-based) through the same SDK.

Clients are built per session or per run (`Clients`), never process-wide: no
`set_default_openai_client` with a user's key. Keys stay in `Settings`; `Settings.secrets()` lists
them so a `Trace` can scrub them, and `repr` never shows them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache, cached_property
from typing import Any, Literal

from .offline import MODEL_LABEL, OfflineModel
from .offline.brain import Brain
from .offline.faults import FaultyBrain, ModelFaults

Vendor = Literal["openai", "anthropic", "aws"]
Mode = Literal["real", "offline"]

OFFLINE_MODEL_ID = "offline-rule-based"
OFFLINE_BASE_URL = "http://offline-model.invalid"
TIMEOUT_S = 60.0
MAX_RETRIES = 2


@dataclass(frozen=True)
class Settings:
    """Where each vendor's calls go. Empty keys mean offline."""

    openai_api_key: str = field(default="", repr=False)
    """OpenAI (or compatible server) API key."""
    openai_base_url: str = ""
    """Base URL of an OpenAI-compatible server; empty for api.openai.com."""
    openai_model: str = "gpt-4.1-mini"
    """Model id for OpenAI calls."""
    openai_agents_api: str = "responses"
    """API the Agents SDK patterns use: `responses` (the SDK's default) or `chat_completions`."""
    anthropic_api_key: str = field(default="", repr=False)
    """Anthropic API key."""
    anthropic_model: str = "claude-sonnet-4-5"
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

    _ENV = {
        "openai_api_key": ("OPENAI_API_KEY",),
        "openai_base_url": ("OPENAI_BASE_URL",),
        "openai_model": ("OPENAI_MODEL",),
        "openai_agents_api": ("OPENAI_AGENTS_API",),
        "anthropic_api_key": ("ANTHROPIC_API_KEY",),
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
        """Whether calls to `vendor` go to the real service or to the offline model."""
        configured = {
            "openai": bool(self.openai_api_key or self.openai_base_url),
            "anthropic": bool(self.anthropic_api_key),
            "aws": bool(self.aws_access_key_id and self.aws_secret_access_key),
        }[vendor]
        return "real" if configured else "offline"

    def as_env(self) -> dict[str, str]:
        """These settings as environment variables, for the project's Lambda functions."""
        return {self._ENV[name][0]: value for name in self._field_names()
                if isinstance(value := getattr(self, name), str) and value}

    def models(self) -> dict[Vendor, str]:
        """The configured model id of each vendor."""
        return {"openai": self.openai_model, "anthropic": self.anthropic_model, "aws": self.bedrock_model_id}

    def secrets(self) -> list[str]:
        """Every secret value, so traces and logs can scrub them."""
        return [s for s in (self.openai_api_key, self.anthropic_api_key, self.aws_access_key_id,
                            self.aws_secret_access_key, self.aws_session_token) if s]

    def scrub(self, text: str) -> str:
        """`text` with every secret replaced by `***`: for text that crosses from one vendor's call to another's."""
        for secret in sorted((s for s in self.secrets() if len(s) >= 4), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text


@cache
def _shared_aws_loader() -> Any:
    """botocore's loader of service models (JSON files it parses on every new session otherwise).
    Shared across sessions: it holds API descriptions, never credentials."""
    import botocore.loaders

    return botocore.loaders.create_loader()


class Clients:
    """The SDK clients of one session or run, each built on first use.

    Real vendors get their own client with this session's key; offline ones get the same SDK
    client wired to an in-process `OfflineModel`. Nothing here is shared between sessions.
    """

    def __init__(self, settings: Settings | None = None, offline: OfflineModel | None = None) -> None:
        self.settings = settings or Settings()
        self._offline = offline

    @property
    def offline(self) -> OfflineModel:
        """The offline model behind every unconfigured vendor."""
        if self._offline is None:
            faults = ModelFaults.parse(self.settings.offline_faults)
            self._offline = OfflineModel(FaultyBrain(Brain(), faults) if faults else None)
        return self._offline

    def mode(self, vendor: Vendor) -> Mode:
        return self.settings.mode(vendor)

    # Model ids and how they read in a trace -------------------------------------------------------

    def model_id(self, vendor: Vendor) -> str:
        """The model id sent with each call to `vendor`."""
        return OFFLINE_MODEL_ID if self.mode(vendor) == "offline" else self.settings.models()[vendor]

    def model_label(self, vendor: Vendor) -> str:
        """How the model reads for people: its id, or "offline model (rule-based)"."""
        return MODEL_LABEL if self.mode(vendor) == "offline" else self.model_id(vendor)

    def actor(self, vendor: Vendor) -> str:
        """The trace actor id for this vendor's model."""
        return f"model:{self.model_label(vendor)}"

    # OpenAI ----------------------------------------------------------------------------------------

    @cached_property
    def openai(self) -> Any:
        """A synchronous `openai.OpenAI` client, its model calls observed by httpx2 event hooks."""
        import openai

        hooks = self._hooks("openai")
        if self.mode("openai") == "real":
            return openai.OpenAI(api_key=self.settings.openai_api_key or "not-needed",
                                 base_url=self.settings.openai_base_url or None, timeout=TIMEOUT_S,
                                 max_retries=MAX_RETRIES, http_client=openai.DefaultHttpxClient(event_hooks=hooks))
        return openai.OpenAI(api_key="offline", base_url=f"{OFFLINE_BASE_URL}/v1", max_retries=0,
                             http_client=openai.DefaultHttpxClient(transport=self.offline.transport(), event_hooks=hooks))

    def _hooks(self, vendor: Vendor) -> dict[str, list[Any]]:
        """httpx2 event hooks that record this vendor's model calls wherever they are observed."""
        from .observe.http import ModelCallHooks

        return ModelCallHooks(self.actor(vendor), self.model_id(vendor)).event_hooks()

    def async_openai(self) -> Any:
        """A new `openai.AsyncOpenAI` client, for the Agents SDK.

        New on each call: an async client's connections belong to the event loop that made them,
        and each turn of a conversation runs in its own loop.
        """
        import httpx2
        import openai

        if self.mode("openai") == "real":
            return openai.AsyncOpenAI(api_key=self.settings.openai_api_key or "not-needed",
                                      base_url=self.settings.openai_base_url or None,
                                      timeout=TIMEOUT_S, max_retries=MAX_RETRIES)
        return openai.AsyncOpenAI(api_key="offline", base_url=f"{OFFLINE_BASE_URL}/v1", max_retries=0,
                                  http_client=httpx2.AsyncClient(transport=self.offline.transport()))

    def agents_model(self) -> Any:
        """An Agents SDK model on a new async client: the Responses API (the SDK's default), or
        Chat Completions when `openai_agents_api` says so (many compatible servers lack Responses)."""
        from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel

        model_class = OpenAIChatCompletionsModel if self.settings.openai_agents_api == "chat_completions" else OpenAIResponsesModel
        return model_class(model=self.model_id("openai"), openai_client=self.async_openai())

    # Anthropic -------------------------------------------------------------------------------------

    @cached_property
    def anthropic(self) -> Any:
        """A synchronous `anthropic.Anthropic` client, its model calls observed by httpx2 event hooks."""
        import anthropic

        hooks = self._hooks("anthropic")
        if self.mode("anthropic") == "real":
            return anthropic.Anthropic(api_key=self.settings.anthropic_api_key, timeout=TIMEOUT_S, max_retries=MAX_RETRIES,
                                       http_client=anthropic.DefaultHttpxClient(event_hooks=hooks))
        return anthropic.Anthropic(api_key="offline", base_url=OFFLINE_BASE_URL, max_retries=0,
                                   http_client=anthropic.DefaultHttpxClient(transport=self.offline.transport(),
                                                                            event_hooks=hooks))

    # AWS -------------------------------------------------------------------------------------------

    @cached_property
    def _aws_session(self) -> Any:
        import boto3
        import botocore.session

        core = botocore.session.Session()
        core.register_component("data_loader", _shared_aws_loader())  # service models only: no credentials
        if self.mode("aws") == "real":
            return boto3.session.Session(aws_access_key_id=self.settings.aws_access_key_id,
                                         aws_secret_access_key=self.settings.aws_secret_access_key,
                                         aws_session_token=self.settings.aws_session_token or None,
                                         region_name=self.settings.aws_region, botocore_session=core)
        return boto3.session.Session(aws_access_key_id="offline", aws_secret_access_key="offline",
                                     region_name=self.settings.aws_region, botocore_session=core)

    def aws(self, service: str) -> Any:
        """A boto3 client for `service` (`bedrock-runtime`, `bedrock-agent-runtime`, `lambda`)."""
        from botocore.config import Config

        from .observe.aws import observe_boto3

        cached = self.__dict__.setdefault("_aws_clients", {})
        if service not in cached:
            config = Config(connect_timeout=10, read_timeout=TIMEOUT_S, retries={"max_attempts": MAX_RETRIES + 1})
            client = self._aws_session.client(service, config=config)
            if self.mode("aws") == "offline":
                self.offline.attach(client)
            cached[service] = observe_boto3(client, self.actor("aws"), self.model_id("aws"))
        return cached[service]

    def describe(self) -> dict[Vendor, str]:
        """Each vendor's mode and model, for banners: never a key."""
        return {vendor: (f"real · {self.model_id(vendor)}" if self.mode(vendor) == "real" else MODEL_LABEL)
                for vendor in ("openai", "anthropic", "aws")}
