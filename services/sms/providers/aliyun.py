"""Aliyun SMS (dysmsapi 2017-05-25) through the official alibabacloud_dysmsapi20170525 SDK.

Request: PhoneNumbers (11 digits for +86, else country code + number), SignName,
TemplateCode (ALIYUN_TEMPLATE_CODES[template]), TemplateParam (JSON of our params, string
values, template order) and OutId = message key, so receipts come back with our key.

Classification (response body Code, or the exception the SDK raised):
- "OK" -> sent, provider_message_id = BizId.
- RETRY_CODES (flow control, daily/monthly limits, throttling, 503) -> retry.
- UNKNOWN_CODES (isp.SYSTEM_ERROR and other provider-side faults) -> unknown: the provider
  had the request and we cannot tell whether it went on to the carrier.
- any other code (bad number, template, sign, account, balance, 4xx) -> failed.
- darabonba UnretryableException (network; the SDK turns every requests error into a
  RetryError wrapped in it) -> by the underlying requests/urllib3 type: not connected
  (refused, DNS, connect timeout) -> retry; read timeout or dropped connection -> unknown.
- anything else the SDK raises -> unknown.
"""

import json

from .base import (
    Message,
    ProviderBackend,
    SendResult,
    TemplateError,
    classify_network_error,
    national_number,
    register,
    split_endpoint,
    template_params,
)

DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"
RETRY_CODES = frozenset({
    "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL",
    "Throttling", "Throttling.User", "Throttling.Api", "ServiceUnavailable",
    # The request was refused for a reused nonce; the SDK draws a new one per call.
    "SignatureNonceUsed",
})
UNKNOWN_CODES = frozenset({"isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "isp.UNKNOWN",
                           "InternalError"})


def classify_code(code: str | None) -> str:
    if code == "OK":
        return "sent"
    if code in RETRY_CODES:
        return "retry"
    if code in UNKNOWN_CODES or not code:
        return "unknown"
    return "failed"


@register
class AliyunBackend(ProviderBackend):
    name = "aliyun"
    required = ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET")

    def __init__(self, settings: dict):
        super().__init__(settings)
        self.endpoint = settings.get("ALIYUN_SMS_ENDPOINT") or DEFAULT_ENDPOINT
        self.template_codes = self.template_codes_for("ALIYUN_TEMPLATE_CODES")

    def _make_client(self):
        # Imported here: the SDK is large and console/file deployments never load it.
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        protocol, host = split_endpoint(self.endpoint)
        return Client(Config(access_key_id=self.settings["ALIYUN_ACCESS_KEY_ID"],
                             access_key_secret=self.settings["ALIYUN_ACCESS_KEY_SECRET"],
                             endpoint=host, protocol=protocol))

    def build_request(self, message: Message):
        """The SDK request for ``message``; TemplateError/ValueError if it cannot be sent."""
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest

        params = template_params(message)
        template_code = self.template_codes.get(message.template)
        if not template_code:
            raise TemplateError(f"no ALIYUN_TEMPLATE_CODES entry for {message.template}")
        return SendSmsRequest(phone_numbers=national_number(message.to),
                              sign_name=self.sign_name, template_code=template_code,
                              template_param=json.dumps(params, ensure_ascii=False),
                              out_id=message.key)

    def send(self, message: Message) -> SendResult:
        from darabonba.runtime import RuntimeOptions

        try:
            request = self.build_request(message)
        except ValueError as exc:  # TemplateError included; the text holds names only
            return SendResult("failed", error=f"invalid_message: {exc}")
        millis = int(self.timeout * 1000)
        # autoretry off: a retry after a read timeout could send the message twice.
        runtime = RuntimeOptions(autoretry=False, connect_timeout=millis, read_timeout=millis)
        try:
            response = self.client.send_sms_with_options(request, runtime)
        except Exception as exc:  # the SDK raises many types; each is classified below
            return self.classify_exception(exc)
        body = response.body
        code = getattr(body, "code", None)
        status = classify_code(code)
        if status == "sent":
            return SendResult("sent", provider_message_id=getattr(body, "biz_id", None))
        return SendResult(status, error=str(code or "no_code"))

    @staticmethod
    def classify_exception(exc: Exception) -> SendResult:
        from alibabacloud_tea_openapi.exceptions import ThrottlingException
        from darabonba.exceptions import ResponseException
        from darabonba.exceptions import ValidateException as DaraValidateException
        from Tea.exceptions import UnretryableException, ValidateException

        # The SDK formats a missing code as the string "None".
        code = exc.code if getattr(exc, "code", None) not in (None, "", "None") else None
        if isinstance(exc, ThrottlingException):
            return SendResult("retry", error=code or "Throttling")
        if isinstance(exc, ResponseException):
            # An HTTP error answer (ClientException for 4xx, ServerException for 5xx) or a
            # check the SDK made before sending (e.g. missing credentials).
            status = classify_code(code)
            if status != "retry" and (exc.status_code or 0) >= 500:
                status = "unknown"
            elif status == "sent" or (status == "unknown" and code is None):
                status = "failed"  # a 4xx without a usable code: the request was refused
            return SendResult(status, error=code or f"http_{exc.status_code}")
        if isinstance(exc, UnretryableException):
            return classify_network_error(exc)
        if isinstance(exc, ValidateException | DaraValidateException):
            return SendResult("failed", error=f"invalid_request:{type(exc).__name__}")
        return SendResult("unknown", error=f"error:{type(exc).__name__}")
