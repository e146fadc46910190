"""Provider outcomes on the wire: the real Aliyun and Tencent SDKs, pointed by their endpoint
settings at a local HTTP server (127.0.0.1 only) that answers with the providers'
documented success and error bodies, refuses the connection, or stalls past the read
timeout. Each answer comes out as the right class, and only a definite outage (nothing
was accepted) moves the message to the next provider; a stall never does."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.sms.failover import ProviderChain
from services.sms.providers import Message
from services.sms.providers.aliyun import AliyunBackend
from services.sms.providers.tencent import TencentBackend
from tests.worker import free_port

#: The real client factories, kept before the suite-wide fixture replaces them.
REAL_CLIENTS = {AliyunBackend: AliyunBackend._make_client,
                TencentBackend: TencentBackend._make_client}
MESSAGE = Message(key="pair:1:contact:2026-12-01:due", to="+8613800138000",
                  template="contact_due", params={"child_given_name": "小明",
                                                  "due_date": "12月15日"})
STALL = "stall"


@pytest.fixture
def real_sdks(monkeypatch):
    """The real SDK clients, allowed only towards this machine."""
    for backend, make_client in REAL_CLIENTS.items():
        def local_only(self, make_client=make_client):
            endpoint = self.endpoint
            assert endpoint.startswith("http://127.0.0.1:"), endpoint
            return make_client(self)
        monkeypatch.setattr(backend, "_make_client", local_only)


class Provider:
    """A local HTTP server answering each request with the next (status, body) or STALL."""

    def __init__(self, answers):
        self.answers, self.requests = list(answers), []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                owner.requests.append(self.rfile.read(int(self.headers["content-length"])))
                answer = owner.answers.pop(0) if len(owner.answers) > 1 else owner.answers[0]
                if answer == STALL:
                    time.sleep(1.5)  # past the 0.3 s read timeout
                    return
                status, body = answer
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def aliyun(endpoint):
    return AliyunBackend({"ALIYUN_ACCESS_KEY_ID": "id", "ALIYUN_ACCESS_KEY_SECRET": "secret",
                          "ALIYUN_TEMPLATE_CODES": {"contact_due": "SMS_100"},
                          "ALIYUN_SMS_ENDPOINT": endpoint, "SMS_TIMEOUT_SECONDS": 0.3})


def tencent(endpoint):
    return TencentBackend({"TENCENT_SECRET_ID": "id", "TENCENT_SECRET_KEY": "key",
                           "TENCENT_SMS_SDK_APP_ID": "1400001",
                           "TENCENT_TEMPLATE_IDS": {"contact_due": "1001"},
                           "TENCENT_SMS_ENDPOINT": endpoint, "SMS_TIMEOUT_SECONDS": 0.3})


def aliyun_body(code, message="", **extra):
    """dysmsapi SendSms: HTTP 200 with Code (and BizId when accepted)."""
    return 200, {"RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990", "Code": code,
                 "Message": message, **extra}


def tencent_status(code, message=""):
    """SendSms 2021-01-11: one SendStatus per number, the code per number."""
    return 200, {"Response": {"RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
                              "SendStatusSet": [{
                                  "SerialNo": "5000:1045710669157053657849499619" if code == "Ok"
                                  else "", "PhoneNumber": "+8613800138000", "Fee": 1,
                                  "SessionContext": "", "Code": code, "Message": message,
                                  "IsoCode": "CN"}]}}


def tencent_error(code, message=""):
    """An API-level error: Response.Error, no send status."""
    return 200, {"Response": {"Error": {"Code": code, "Message": message},
                              "RequestId": "b1aabda6-cf91-4f3e-a81f-9198114a2279"}}


ALIYUN_ANSWERS = [
    (aliyun_body("OK", "OK", BizId="900619746936498440^0"), "sent"),
    (aliyun_body("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"), "retry"),
    (aliyun_body("isv.DAY_LIMIT_CONTROL", "触发日发送限额"), "retry"),
    (aliyun_body("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"), "failed"),
    (aliyun_body("isv.AMOUNT_NOT_ENOUGH", "账户余额不足"), "failed"),
    (aliyun_body("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法"), "failed"),
    ((400, {"RequestId": "r", "Code": "Throttling.User", "Message": "Request was denied "
            "due to user flow control."}), "retry"),
    ((500, {"RequestId": "r", "Code": "isp.SYSTEM_ERROR", "Message": "系统错误"}), "unknown"),
    (STALL, "unknown"),
]
TENCENT_ANSWERS = [
    (tencent_status("Ok", "send success"), "sent"),
    (tencent_status("LimitExceeded.PhoneNumberThirtySecondLimit", "30秒内发送短信条数超过上限"),
     "retry"),
    (tencent_error("RequestLimitExceeded", "请求的次数超过了频率限制。"), "retry"),
    (tencent_status("LimitExceeded.PhoneNumberDailyLimit", "单个手机号日下发条数超过上限"),
     "retry"),
    (tencent_status("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"), "failed"),
    (tencent_status("FailedOperation.InsufficientBalanceInSmsPackage", "套餐包余量不足"),
     "failed"),
    (tencent_status("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误"),
     "failed"),
    (tencent_error("InternalError.Timeout", "请求下发短信超时"), "unknown"),
    (STALL, "unknown"),
]


@pytest.mark.parametrize("make, answers", [(aliyun, ALIYUN_ANSWERS),
                                           (tencent, TENCENT_ANSWERS)],
                         ids=["aliyun", "tencent"])
def test_each_documented_answer_comes_out_as_its_class(real_sdks, make, answers):
    provider = Provider([answer for answer, _ in answers])
    try:
        backend = make(provider.url)
        results = [backend.send(MESSAGE) for _ in answers]
    finally:
        provider.close()
    assert [r.status for r in results] == [expected for _, expected in answers]
    assert results[0].provider_message_id
    assert len(provider.requests) == len(answers)  # one request each: the SDKs never retry
    assert all("13800138000" not in r.error for r in results)


@pytest.mark.parametrize("make", [aliyun, tencent], ids=["aliyun", "tencent"])
def test_a_refused_connection_is_a_definite_outage(real_sdks, make):
    result = make(f"http://127.0.0.1:{free_port()}").send(MESSAGE)
    assert result.status == "retry"


def _chain(first, second_url):
    return ProviderChain([first, tencent(second_url)])


def test_only_definite_outages_move_the_message_to_the_next_provider(real_sdks):
    second = Provider([tencent_status("Ok", "send success")])
    try:
        refused = _chain(aliyun(f"http://127.0.0.1:{free_port()}"), second.url).send(MESSAGE)
        assert (refused.status, refused.provider) == ("sent", "tencent")
        flow = Provider([aliyun_body("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控")])
        try:
            limited = _chain(aliyun(flow.url), second.url).send(MESSAGE)
        finally:
            flow.close()
        assert (limited.status, limited.provider) == ("sent", "tencent")
        before = len(second.requests)
        stalled = Provider([STALL])
        try:
            unknown = _chain(aliyun(stalled.url), second.url).send(MESSAGE)
        finally:
            stalled.close()
        assert (unknown.status, unknown.provider) == ("unknown", "aliyun")
        assert len(second.requests) == before  # it may have gone out: never sent twice
    finally:
        second.close()
