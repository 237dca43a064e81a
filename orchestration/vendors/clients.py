"""The vendor SDK clients of a session or run, built from its `Settings`: real when configured, else offline.

Clients are built per session or per run (`Clients`), never process-wide: no
`set_default_openai_client` with a user's key. A real vendor gets its SDK client with the session's
key; any other gets the same SDK client wired to a local model server (see `local_server.py`) or to the
in-process offline model. Each is built on first use, its observers attached. Which mode a vendor is
in, and its model, are the settings' (`settings.py`).
"""

from __future__ import annotations

from functools import cache, cached_property
from typing import Any

from ..observe.logs import redact_sdk_logs
from .offline import MODEL_LABEL, OfflineModel
from .settings import Mode, Settings, Vendor

OFFLINE_MODEL_ID = "offline-rule-based"
OFFLINE_BASE_URL = "http://offline-model.invalid"
VENDOR_NAMES: dict[Vendor, str] = {"openai": "OpenAI", "anthropic": "Anthropic", "aws": "Bedrock"}


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
            from .local_model import LocalModel
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
        """What this session has learnt about the local server (`local_server.ServerQuirks`)."""
        from .local_server import ServerQuirks

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
        from .local_server import ServerAdapter

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
