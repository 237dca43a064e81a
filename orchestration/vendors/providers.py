"""Settings and the vendor SDK clients built from them — each real when configured, else offline.

Each vendor is decided on its own: OpenAI is real with an API key (or a base URL of a compatible
server), Anthropic with an API key (or a base URL of a compatible server), AWS with an access key
pair. Whatever is not configured is served through the same SDK by a local model when
`LOCAL_MODEL_URL` names an OpenAI-compatible server (see `local.py`), else by the offline model
(rule-based).

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

from ..observe.logs import redact_sdk_logs
from .offline import MODEL_LABEL, OfflineModel

Vendor = Literal["openai", "anthropic", "aws"]
Mode = Literal["real", "local", "offline"]

OFFLINE_MODEL_ID = "offline-rule-based"
OFFLINE_BASE_URL = "http://offline-model.invalid"
VENDOR_NAMES: dict[Vendor, str] = {"openai": "OpenAI", "anthropic": "Anthropic", "aws": "Bedrock"}


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
    """`off`: each pattern as the article writes it; `on`: with the playground's own checks (safeguards.py)."""
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
        redact_sdk_logs()  # the SDKs log request headers at DEBUG: credentials are cut from those records

    @property
    def offline(self) -> OfflineModel:
        """The emulated services behind every vendor without its own: their decisions come from the
        rule-based brain, or from the local model when one is set."""
        if self._offline is None:
            from .local import LocalModel
            from .offline.brain import Brain
            from .offline.faults import FaultyBrain, ModelFaults

            faults = ModelFaults.parse(self.settings.offline_faults)
            brain = LocalModel(self.settings, self.quirks) if self.settings.local_model_url else Brain()
            taps = self.cassette
            self._offline = OfflineModel(FaultyBrain(brain, faults) if faults else brain,
                                         tap=taps.tap if taps is not None else None)
        return self._offline

    @property
    def cassette(self) -> Any:
        """The run's cassette recorder or player (`cassette.Recorder`, `cassette.Player`), if any."""
        from . import cassette

        return cassette.active(self.settings.cassette)

    def _recorded(self) -> Any:
        """The cassette a replay answers from (None unless replaying)."""
        from .cassette import Player

        taps = self.cassette
        return taps.cassette if isinstance(taps, Player) else None

    def _tapped(self, transport: Any) -> Any:
        """`transport` (None: the network) with each model call kept, when the run is recorded."""
        from .cassette import Recorder, http_tap

        taps = self.cassette
        return http_tap(transport, taps) if isinstance(taps, Recorder) else transport

    @cached_property
    def quirks(self) -> Any:
        """What this session has learnt about the local server (`local.ServerQuirks`)."""
        from .local import ServerQuirks

        return ServerQuirks()

    def mode(self, vendor: Vendor) -> Mode:
        return self.settings.mode(vendor)

    # Model ids and how they read in a trace -------------------------------------------------------

    def model_id(self, vendor: Vendor) -> str:
        """The model id sent with each call to `vendor`."""
        mode, recorded = self.mode(vendor), self._recorded()
        if recorded is not None and recorded.model_ids.get(vendor):
            return recorded.model_ids[vendor]
        return ({"offline": OFFLINE_MODEL_ID, "local": self.settings.local_model}.get(mode)
                or self.settings.models()[vendor])

    def model_label(self, vendor: Vendor) -> str:
        """How the model reads for people: its id, "local model NAME", or "offline model (rule-based)"."""
        mode, recorded = self.mode(vendor), self._recorded()
        if recorded is not None:
            return recorded.label(vendor)
        return ({"offline": MODEL_LABEL, "local": f"local model {self.settings.local_model}"}.get(mode)
                or self.model_id(vendor))

    def actor(self, vendor: Vendor) -> str:
        """The trace actor id for this vendor's model."""
        return f"model:{self.model_label(vendor)}"

    # OpenAI ----------------------------------------------------------------------------------------

    @cached_property
    def openai(self) -> Any:
        """A synchronous `openai.OpenAI` client, its model calls observed by httpx2 event hooks."""
        import openai

        return openai.OpenAI(**self._openai_options(), http_client=openai.DefaultHttpxClient(
            transport=self._openai_transport(), event_hooks=self._hooks("openai")))

    def _openai_options(self) -> dict[str, Any]:
        mode, settings = self.mode("openai"), self.settings
        if mode == "offline":
            return {"api_key": "offline", "base_url": f"{OFFLINE_BASE_URL}/v1", "max_retries": 0}
        return {"api_key": settings.openai_api_key or "not-needed",
                "base_url": (settings.local_model_url if mode == "local" else settings.openai_base_url) or None,
                "timeout": settings.timeout("openai"), "max_retries": settings.retries("openai")}

    def _openai_transport(self) -> Any:
        """The offline model, the local server's adapter, or None (the SDK's own transport)."""
        from .local import ServerAdapter

        mode = self.mode("openai")
        if mode == "offline":
            return self.offline.transport()
        return self._tapped(ServerAdapter(self.settings, self.quirks) if mode == "local" else None)

    def _hooks(self, vendor: Vendor) -> dict[str, list[Any]]:
        """httpx2 event hooks that record this vendor's model calls wherever they are observed."""
        from ..observe.http import ModelCallHooks

        return ModelCallHooks(self.actor(vendor), self.model_id(vendor), vendor).event_hooks()

    def async_openai(self) -> Any:
        """A new `openai.AsyncOpenAI` client, for the Agents SDK.

        New on each call: an async client's connections belong to the event loop that made them,
        and each turn of a conversation runs in its own loop. It keeps no idle connection, so
        nothing is left open when that loop ends.
        """
        import httpx2
        import openai

        return openai.AsyncOpenAI(**self._openai_options(), http_client=openai.DefaultAsyncHttpxClient(
            transport=self._openai_transport(), limits=httpx2.Limits(max_keepalive_connections=0)))

    def agents_model(self) -> Any:
        """An Agents SDK model on a new async client: the Responses API (the SDK's default) for OpenAI
        itself, Chat Completions for a local server, or whichever `openai_agents_api` names."""
        from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel

        api = self.settings.openai_agents_api or ("chat_completions" if self.mode("openai") == "local" else "responses")
        model_class = OpenAIChatCompletionsModel if api == "chat_completions" else OpenAIResponsesModel
        return model_class(model=self.model_id("openai"), openai_client=self.async_openai())

    # Anthropic -------------------------------------------------------------------------------------

    @cached_property
    def anthropic(self) -> Any:
        """A synchronous `anthropic.Anthropic` client, its model calls observed by httpx2 event hooks."""
        import anthropic

        hooks, settings = self._hooks("anthropic"), self.settings
        if self.mode("anthropic") == "real":
            return anthropic.Anthropic(api_key=settings.anthropic_api_key or "not-needed",
                                       base_url=settings.anthropic_base_url or None,
                                       timeout=settings.timeout("anthropic"),
                                       max_retries=settings.retries("anthropic"),
                                       http_client=anthropic.DefaultHttpxClient(transport=self._tapped(None),
                                                                                event_hooks=hooks))
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

        from ..observe.aws import observe_boto3

        cached = self.__dict__.setdefault("_aws_clients", {})
        if service not in cached:
            config = Config(connect_timeout=10, read_timeout=self.settings.timeout("aws"),
                            retries={"max_attempts": self.settings.retries("aws") + 1})
            client = self._aws_session.client(service, config=config)
            if self.mode("aws") != "real":
                self.offline.attach(client)
            cached[service] = observe_boto3(client, self.actor("aws"), self.model_id("aws"))
        return cached[service]

    def describe(self) -> dict[Vendor, str]:
        """Each vendor's mode and model, for banners: never a key."""
        return {vendor: self.where(vendor)["says"] for vendor in ("openai", "anthropic", "aws")}

    def where(self, vendor: Vendor) -> dict[str, str]:
        """Where `vendor`'s calls go: `mode`, `model`, `endpoint`, and `says`, a sentence for people. Never a key."""
        mode, settings, model = self.mode(vendor), self.settings, self.model_id(vendor)
        recorded = self._recorded()
        if recorded is not None:
            return {"mode": "replay", "model": recorded.label(vendor), "endpoint": "a cassette",
                    "says": f"replay of {recorded.label(vendor)}, recorded {recorded.recorded.get('date', '?')[:10]}"}
        if mode == "offline":
            return {"mode": mode, "model": MODEL_LABEL, "endpoint": "in-process", "says": MODEL_LABEL}
        if mode == "local":
            url = _shown(settings.local_model_url)
            says = (f"local model {model} via {url}" if vendor == "openai" else
                    f"emulated {VENDOR_NAMES[vendor]} service, decisions by local model {model} via {url}")
            return {"mode": mode, "model": model, "endpoint": url, "says": says,
                    **({} if vendor == "openai" else {"service": f"emulated {VENDOR_NAMES[vendor]}, in-process"})}
        # as botocore resolved it: AWS_ENDPOINT_URL(_<SERVICE>), a profile's endpoint_url, the region
        if vendor == "aws":
            services = ("bedrock-runtime", "bedrock-agent-runtime",
                        *(("lambda",) if settings.lambda_mode == "aws" else ()))
            urls = {service: _shown(self.aws(service).meta.endpoint_url) for service in services}
            endpoint = (next(iter(urls.values())) if len(set(urls.values())) == 1 else
                        ", ".join(f"{service}: {url}" for service, url in urls.items()))
        else:
            endpoint = _shown((settings.openai_base_url or "https://api.openai.com/v1") if vendor == "openai" else
                              (settings.anthropic_base_url or "https://api.anthropic.com"))
        return {"mode": mode, "model": model, "endpoint": endpoint, "says": f"real · {model}"}


def _shown(url: str) -> str:
    """A URL as `Clients.where` shows it: scheme, host, port and path; never a user, password or query (tokens)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.hostname:
        return url.split("?")[0].split("@")[-1]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a port number: left out
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
