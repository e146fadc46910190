"""Several SMS providers, tried in order; a definite refusal moves on, an ambiguous send never.

For one message, each provider in the configured order (``SMS_PROVIDERS``):
- at its rate limit (for a routine message: at its routine share of it, see
  services.sms.limits): passed over for now (nothing was sent);
- "sent": done, this provider sent it;
- "unknown" (e.g. a read timeout after the request went out; it may have been accepted):
  stop, the message is ``unknown`` and is never given to another provider;
- "retry" (a definite outage: refused connection, service unavailable, throttled by the
  provider before accepting): the next provider is tried, and this one is passed over for
  the rest of the run;
- "failed" (a definite refusal: nothing was accepted; often the provider's own matter,
  such as a template not approved there or an empty balance): the next provider is tried.
When no provider sent it: "retry" (back-off) if one was down, else "throttled" (try again
in a moment) if one was at its rate limit, else "failed".
"""

from dataclasses import dataclass, field

from config import sms_provider_names, sms_settings
from core.clock import now
from services.sms.limits import DEFAULT_ROUTINE_SHARE, RateLimits, shared_rate_limits
from services.sms.providers import Message, SendResult, SmsBackend, get_backend
from services.sms.templates import ROUTINE, priority_of


@dataclass
class Outcome:
    status: str  # sent, unknown, retry, failed, throttled
    provider: str = ""
    provider_message_id: str | None = None
    error: str = ""
    attempts: list[dict] = field(default_factory=list)


class ProviderChain:
    """The providers of one send run, in order, with their rate limits."""

    def __init__(self, backends: list[SmsBackend], rate_limits: RateLimits | None = None):
        if not backends:
            raise ValueError("at least one SMS provider is needed")
        names = [backend.name for backend in backends]
        if len(set(names)) != len(names):
            raise ValueError(f"an SMS provider is listed twice: {names}")
        self.backends = list(backends)
        self.rate_limits = rate_limits or RateLimits()
        #: Providers that reported an outage during this run: passed over until it ends.
        self.down: set[str] = set()

    @property
    def names(self) -> list[str]:
        return [backend.name for backend in self.backends]

    def seconds_until_free(self, routine: bool = True) -> float:
        """Seconds until one of the providers has room under its rate limit again (for a
        routine message: under its routine share)."""
        return min(self.rate_limits.seconds_until_free(name, routine) for name in self.names)

    def send(self, message: Message) -> Outcome:
        routine = priority_of(message.template) == ROUTINE
        attempts: list[dict] = []
        throttled, was_down, last_error = [], False, ""
        for backend in self.backends:
            if backend.name in self.down:
                was_down = True
                continue
            if not self.rate_limits.acquire(backend.name, routine):
                throttled.append(backend.name)
                continue
            result: SendResult = backend.send(message)
            attempts.append({"provider": backend.name, "status": result.status,
                             "error": result.error, "at": now().isoformat()})
            if result.status in ("sent", "unknown"):
                return Outcome(result.status, backend.name, result.provider_message_id,
                               result.error, attempts)
            last_error = f"{backend.name}: {result.error}"
            if result.status == "retry":
                self.down.add(backend.name)
                was_down = True
        if was_down:
            return Outcome("retry", error=last_error or "every provider is unavailable",
                           attempts=attempts)
        if throttled:
            return Outcome("throttled", error=f"rate limit of {', '.join(throttled)}",
                           attempts=attempts)
        return Outcome("failed", error=last_error, attempts=attempts)


def as_chain(providers) -> ProviderChain:
    """A ProviderChain as is; a single backend as a chain of one without a rate limit."""
    return providers if isinstance(providers, ProviderChain) else ProviderChain([providers])


def build_chain(names, settings_for, rate_limits: RateLimits) -> ProviderChain:
    """Build the chain for provider ``names`` (in order); ``settings_for(name)`` gives each
    provider's settings dict. ConfigurationError/ValueError for a bad configuration."""
    backends = []
    for name in names:
        settings = settings_for(name)
        rate_limits.set(name, settings.get("SMS_RATE_LIMIT"))
        backends.append(get_backend(name, settings))
    return ProviderChain(backends, rate_limits)


def chain_from_config(config) -> ProviderChain:
    """The chain an app's settings describe: SMS_PROVIDERS (or SMS_BACKEND) in order, each
    with its own settings; rate limits in Redis when REDIS_URL is set, else in memory."""

    rate_limits = shared_rate_limits(config.get("REDIS_URL") or "memory://",
                                     config.get("SMS_ROUTINE_SHARE") or DEFAULT_ROUTINE_SHARE)
    return build_chain(sms_provider_names(config), lambda name: sms_settings(config, name),
                       rate_limits)
