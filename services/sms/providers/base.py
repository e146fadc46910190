"""Messages, send results, the backend base class and the backend registry.

Rules:
- ``SmsBackend.send`` never raises for provider or network errors; it classifies them:
  "sent" (the provider accepted it), "failed" (definite, never retry), "retry" (rate-limited
  or the provider was not reached, so nothing was accepted: safe to send again later) and
  "unknown" (it may have been accepted, e.g. a read timeout: never resent automatically).
- ``SendResult.error`` is a short code for the outbox: never the number or the text, so it
  is never built from an exception's message (SDKs put the whole request URL in those).
- Settings come in as a plain dict; a backend missing its credentials raises
  ``ConfigurationError`` (a ValueError) when it is built, not when it first sends.
- Each provider has its own sign name (``SMS_SIGN_NAME``), template codes
  (``SMS_TEMPLATE_CODES``: our template -> the provider's code) and may word a template its
  own way (``SMS_TEMPLATE_TEXTS``: our template -> text with the same placeholders).
"""

import string
from dataclasses import dataclass, field

from services.sms.templates import TEMPLATES

DEFAULT_SIGN_NAME = "牵手童行"
DEFAULT_TIMEOUT_SECONDS = 10
SEND_STATUSES = ("sent", "failed", "retry", "unknown")


class SmsError(Exception):
    """Base class of this package's errors."""


class ConfigurationError(SmsError, ValueError):
    """A backend's settings are missing or wrong."""


class TemplateError(SmsError, ValueError):
    """Unknown template, or params that do not match it (names only, never values)."""


@dataclass(frozen=True)
class Message:
    key: str
    to: str
    template: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    status: str
    provider_message_id: str | None = None
    error: str = ""

    def __post_init__(self):
        if self.status not in SEND_STATUSES:
            raise ValueError(f"unknown send status {self.status!r}")


def template_params(message: Message) -> dict[str, str]:
    """The message's params as strings, in the template's order.

    Raises TemplateError for an unknown template or missing/extra params. Values become
    strings because providers reject numbers in template params.
    """
    template = TEMPLATES.get(message.template)
    if template is None:
        raise TemplateError(f"unknown template {message.template!r}")
    missing = [p for p in template.params if p not in message.params]
    extra = sorted(set(message.params) - set(template.params))
    if missing or extra:
        raise TemplateError(f"template {template.code}: missing {missing}, extra {extra}")
    return {p: str(message.params[p]) for p in template.params}


def render(message: Message, sign_name: str = DEFAULT_SIGN_NAME,
           texts: dict[str, str] | None = None) -> str:
    """The text the recipient sees: 【sign】 followed by the template filled in.

    ``texts`` holds a provider's own wording of some templates (checked by ``check_texts``).
    """
    params = template_params(message)
    text = (texts or {}).get(message.template) or TEMPLATES[message.template].text
    return f"【{sign_name}】" + text.format(**params)


def check_texts(texts: dict) -> dict[str, str]:
    """A provider's template texts, checked: known templates, the same placeholders."""
    checked = {}
    for code, text in (texts or {}).items():
        template = TEMPLATES.get(code)
        if template is None:
            raise ConfigurationError(f"SMS text given for unknown template {code!r}")
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        except ValueError:
            raise ConfigurationError(f"SMS text for {code} is not a valid template") from None
        if used != set(template.params):
            raise ConfigurationError(f"SMS text for {code} must use exactly the placeholders "
                                     f"{sorted(template.params)}")
        checked[code] = text
    return checked


def national_number(e164: str) -> str:
    """Mainland numbers as 11 digits, others as country code + number without '+'.

    Raises ValueError for anything that is not E.164.
    """
    if not (e164.startswith("+") and e164[1:].isdigit() and 8 <= len(e164) <= 16):
        raise ValueError("not an E.164 number")
    return e164[3:] if e164.startswith("+86") else e164[1:]


class SmsBackend:
    """Sends one message at a time. Subclasses set ``name`` and implement ``send``."""

    name = ""

    def __init__(self, settings: dict):
        self.settings = dict(settings)
        self.sign_name = settings.get("SMS_SIGN_NAME") or DEFAULT_SIGN_NAME
        self.texts = check_texts(settings.get("SMS_TEMPLATE_TEXTS") or {})

    def template_codes_for(self, legacy_key: str) -> dict[str, str]:
        """Our template -> the provider's code: ``legacy_key``'s map, then SMS_TEMPLATE_CODES."""
        return {**(self.settings.get(legacy_key) or {}),
                **(self.settings.get("SMS_TEMPLATE_CODES") or {})}

    def send(self, message: Message) -> SendResult:
        raise NotImplementedError


class ProviderBackend(SmsBackend):
    """A backend that talks to a provider through its SDK client.

    The client is made on first use by ``_make_client`` (so building a backend needs no
    network and does not load the SDK) and can be replaced by assigning ``client``.
    """

    #: Settings keys that must be non-empty.
    required: tuple[str, ...] = ()

    def __init__(self, settings: dict):
        super().__init__(settings)
        missing = [k for k in self.required if not settings.get(k)]
        if missing:
            raise ConfigurationError(f"SMS backend {self.name!r} needs {', '.join(missing)}")
        self.timeout = float(settings.get("SMS_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT_SECONDS)
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = self._make_client()
        return self._client

    @client.setter
    def client(self, value):
        self._client = value

    def _make_client(self):
        raise NotImplementedError


def split_endpoint(endpoint: str) -> tuple[str, str]:
    """("https", "host[:port]") from an endpoint setting, with or without its scheme
    ("http://127.0.0.1:8080" for a local test server; "dysmsapi.aliyuncs.com")."""
    scheme, sep, rest = endpoint.partition("://")
    return (scheme.lower(), rest.rstrip("/")) if sep else ("https", endpoint.rstrip("/"))


def _exception_chain(exc: BaseException):
    """exc and what it wraps: SDK ``inner_exception``, causes, contexts, requests' args."""
    seen, stack = set(), [exc]
    while stack:
        link = stack.pop(0)
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        stack += [getattr(link, "inner_exception", None), link.__cause__, link.__context__]
        stack += [a for a in getattr(link, "args", ()) if isinstance(a, BaseException)]
        reason = getattr(link, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)


def classify_network_error(exc: BaseException) -> SendResult:
    """retry when the connection was never made (refused, DNS, connect timeout, TLS, proxy);
    unknown otherwise (read timeout, connection dropped after the request went out).

    Both SDKs wrap requests/urllib3 errors (Aliyun: UnretryableException -> RetryError ->
    requests error as __context__; Tencent: ClientNetworkError with the requests error as
    __context__), so the type is found by walking the chain outermost first.
    """
    # Imported here: only provider backends call this, and they bring requests along.
    import requests.exceptions as rex
    import urllib3.exceptions as uex

    for link in _exception_chain(exc):
        if isinstance(link, rex.ReadTimeout | uex.ReadTimeoutError):
            return SendResult("unknown", error="read_timeout")
        # NewConnectionError covers refused connections and DNS failures (NameResolutionError).
        if isinstance(link, rex.ConnectTimeout | uex.NewConnectionError | uex.ConnectTimeoutError
                      | rex.ProxyError | rex.SSLError | ConnectionRefusedError):
            return SendResult("retry", error=f"connect_error:{type(link).__name__}")
    return SendResult("unknown", error=f"network_error:{type(exc).__name__}")


BACKENDS: dict[str, type[SmsBackend]] = {}


def register(cls: type[SmsBackend]) -> type[SmsBackend]:
    """Class decorator: make a backend available to ``get_backend`` under ``cls.name``."""
    BACKENDS[cls.name] = cls
    return cls


def get_backend(name: str, settings: dict) -> SmsBackend:
    """Build the backend called ``name``; ValueError for an unknown name."""
    try:
        cls = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown SMS backend {name!r}; known: {sorted(BACKENDS)}") from None
    return cls(settings)
