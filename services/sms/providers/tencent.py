"""Tencent Cloud SMS (sms 2021-01-11) through the official tencentcloud-sdk-python-sms SDK.

Request: PhoneNumberSet ["+86..."] (E.164), SmsSdkAppId, SignName, TemplateId
(TENCENT_TEMPLATE_IDS[template]), TemplateParamSet (param values in template order) and
SessionContext = message key.

Classification (SendStatusSet[0].Code, or the TencentCloudSDKException code):
- "Ok" -> sent, provider_message_id = SerialNo.
- "LimitExceeded.*", "RequestLimitExceeded*", "ServiceUnavailable" -> retry.
- UNKNOWN_CODES ("InternalError", "InternalError.Timeout", "InternalError.SendAndRecvFail",
  ...: the provider had the request and timed out or broke downstream) -> unknown.
- any other code answered by the API (auth, parameters, template, sign, balance,
  blacklist) -> failed; so are the SDK's own pre-send checks (CLIENT_CODES).
- "ClientNetworkError" (the SDK wraps every requests error in it, the original as
  __context__) -> by that type: not connected (refused, DNS, connect timeout) -> retry;
  read timeout or dropped connection -> unknown.
- "ServerNetworkError" (HTTP status other than 200) and anything else -> unknown.
"""

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

DEFAULT_REGION = "ap-guangzhou"
RETRY_PREFIXES = ("LimitExceeded", "RequestLimitExceeded")
RETRY_CODES = frozenset({"ServiceUnavailable"})
UNKNOWN_CODES = frozenset({
    "InternalError", "InternalError.Timeout", "InternalError.SendAndRecvFail",
    "InternalError.OtherError", "InternalError.UnknownError",
    "InternalError.ParseBackendResponseFail",
})
#: Raised by the SDK itself before anything is sent.
CLIENT_CODES = frozenset({"InvalidCredential", "ClientParamsError", "ClientError",
                          "ClientSideError"})


def classify_code(code: str | None) -> str:
    if code == "Ok":
        return "sent"
    if not code or code in UNKNOWN_CODES:
        return "unknown"
    if code in RETRY_CODES or code.split(".")[0] in RETRY_PREFIXES:
        return "retry"
    return "failed"


@register
class TencentBackend(ProviderBackend):
    name = "tencent"
    required = ("TENCENT_SECRET_ID", "TENCENT_SECRET_KEY", "TENCENT_SMS_SDK_APP_ID")

    def __init__(self, settings: dict):
        super().__init__(settings)
        self.region = settings.get("TENCENT_REGION") or DEFAULT_REGION
        self.sdk_app_id = str(settings["TENCENT_SMS_SDK_APP_ID"])
        self.template_ids = self.template_codes_for("TENCENT_TEMPLATE_IDS")
        #: Empty: the SDK's own (sms.tencentcloudapi.com over https).
        self.endpoint = settings.get("TENCENT_SMS_ENDPOINT") or ""

    def _make_client(self):
        # Imported here: console/file deployments never load the SDK.
        from tencentcloud.common.credential import Credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111.sms_client import SmsClient

        # The default profile has no retryer: a retry after a read timeout could send twice.
        protocol, host = split_endpoint(self.endpoint) if self.endpoint else (None, None)
        profile = ClientProfile(httpProfile=HttpProfile(protocol=protocol, endpoint=host,
                                                        reqTimeout=self.timeout))
        credential = Credential(self.settings["TENCENT_SECRET_ID"],
                                self.settings["TENCENT_SECRET_KEY"])
        return SmsClient(credential, self.region, profile)

    def build_request(self, message: Message):
        """The SDK request for ``message``; TemplateError/ValueError if it cannot be sent."""
        from tencentcloud.sms.v20210111.models import SendSmsRequest

        params = template_params(message)
        template_id = self.template_ids.get(message.template)
        if not template_id:
            raise TemplateError(f"no TENCENT_TEMPLATE_IDS entry for {message.template}")
        national_number(message.to)  # validates E.164; Tencent takes the number as is
        request = SendSmsRequest()
        request.PhoneNumberSet = [message.to]
        request.SmsSdkAppId = self.sdk_app_id
        request.SignName = self.sign_name
        request.TemplateId = str(template_id)
        request.TemplateParamSet = list(params.values())
        request.SessionContext = message.key
        return request

    def send(self, message: Message) -> SendResult:
        try:
            request = self.build_request(message)
        except ValueError as exc:  # TemplateError included; the text holds names only
            return SendResult("failed", error=f"invalid_message: {exc}")
        try:
            response = self.client.SendSms(request)
        except Exception as exc:  # classified below; the SDK wraps nearly all in one type
            return self.classify_exception(exc)
        statuses = response.SendStatusSet or []
        if not statuses:
            return SendResult("unknown", error="no_send_status")
        code = statuses[0].Code
        status = classify_code(code)
        if status == "sent":
            return SendResult("sent", provider_message_id=statuses[0].SerialNo)
        return SendResult(status, error=str(code or "no_code"))

    @staticmethod
    def classify_exception(exc: Exception) -> SendResult:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )

        if not isinstance(exc, TencentCloudSDKException):
            return SendResult("unknown", error=f"error:{type(exc).__name__}")
        code = exc.get_code()
        if code == "ClientNetworkError":
            return classify_network_error(exc)
        if code in CLIENT_CODES:
            return SendResult("failed", error=code)
        if exc.get_request_id():
            # The API answered with an error, so the code is one of Tencent's.
            return SendResult(classify_code(code), error=str(code))
        # ServerNetworkError (HTTP status not 200), or SendSms wrapping an unexpected error
        # (e.g. a response it could not parse) under the error's type name.
        return SendResult("unknown", error=str(code or "no_code"))
