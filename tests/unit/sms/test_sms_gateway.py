"""SMS gateway: templates, console/file backends, Aliyun/Tencent classification, receipts.

Provider SDK clients are replaced by fakes, or pointed at sockets on 127.0.0.1 so the
SDKs raise their real network exceptions; nothing leaves the machine.
"""

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from services.sms.providers import BACKENDS, Message, get_backend, render
from services.sms.providers.aliyun import AliyunBackend
from services.sms.providers.tencent import TencentBackend
from services.sms.receipts import parse_receipts
from services.sms.templates import TEMPLATES, Template

PHONE = "+8613800138000"
NATIONAL = "13800138000"
ROOT = str(Path(__file__).resolve().parents[3])

#: Realistic values at the long end: 3-character given names, a 5-character county,
#: the longest date, two-digit day counts, a 5-character concern label.
PARAMS = {
    "pair_approved_volunteer": {"child_given_name": "小明明", "county": "乌鲁木齐县"},
    "pair_approved_guardian": {"volunteer_given_name": "王丽华"},
    "contact_due": {"child_given_name": "小明明", "due_date": "12月31日"},
    "visit_due": {"child_given_name": "小明明", "due_date": "12月31日"},
    "contact_overdue": {"child_given_name": "小明明", "days": "10"},
    "escalation_coordinator": {"volunteer_given_name": "丽华", "child_given_name": "小明明",
                               "days": "30"},
    "escalation_no_local_contact": {"volunteer_given_name": "丽华",
                                    "child_given_name": "小明明", "days": "30"},
    "escalation_local_contact": {"child_given_name": "小明明", "volunteer_given_name": "丽华",
                                 "days": "10"},
    "concern_raised": {"county": "乌鲁木齐县", "kind": "疑似被忽视"},
    "case_immediate_danger": {"county": "乌鲁木齐县", "child_given_name": "小明明"},
    "case_danger_local_contact": {"child_given_name": "小明明"},
    "case_unacknowledged": {"county": "乌鲁木齐县", "kind": "疑似虐待或忽视", "hours": "72"},
    "verification_code": {"code": "123456"},
    "signup_has_account": {},
    "signup_on_ledger": {},
    "application_received": {"child_given_name": "小明明", "reference": "SB7KQ2M9"},
    "application_accepted": {"child_given_name": "小明明", "reference": "SB7KQ2M9"},
    "application_declined": {"child_given_name": "小明明", "reference": "SB7KQ2M9",
                             "reason": "不在本县居住，请向现居住地的县民政局申报"},
    "check_expiring": {"expires_on": "12月31日"},
    "check_expired": {},
    "volunteer_vetted": {},
    "volunteer_not_approved": {},
    "volunteer_suspended": {},
    "volunteer_withdrew": {"volunteer_given_name": "丽华", "pairs": "3"},
    "feedback_request": {"child_given_name": "小明明",
                         "link": "https://qs.gxmz.cn/f/Ab3dEfGh1jKlMn0pQrStUv"},
}
ALIYUN_SETTINGS = {
    "ALIYUN_ACCESS_KEY_ID": "id", "ALIYUN_ACCESS_KEY_SECRET": "secret",
    "ALIYUN_TEMPLATE_CODES": {code: f"SMS_{i}" for i, code in enumerate(TEMPLATES)},
    "SMS_TIMEOUT_SECONDS": 0.3,
}
TENCENT_SETTINGS = {
    "TENCENT_SECRET_ID": "id", "TENCENT_SECRET_KEY": "key", "TENCENT_SMS_SDK_APP_ID": "1400001",
    "TENCENT_TEMPLATE_IDS": {code: str(1000 + i) for i, code in enumerate(TEMPLATES)},
    "SMS_TIMEOUT_SECONDS": 0.3,
}


def msg(template="contact_due", key="pair:1:contact:2026-12-01:due", **params):
    return Message(key=key, to=PHONE, template=template, params=params or PARAMS[template])


# --- templates -------------------------------------------------------------------------


def test_every_template_has_realistic_params_here():
    assert set(PARAMS) == set(TEMPLATES)


@pytest.mark.parametrize("code", sorted(PARAMS))
def test_render_fits_one_segment(code):
    text = render(msg(code))
    assert text.startswith("【牵手童行】")
    assert "{" not in text
    for value in PARAMS[code].values():
        assert value in text
    assert len(text) <= 70, (len(text), text)


def test_render_substitutes_params_and_custom_sign():
    text = render(msg("contact_due", child_given_name="小红", due_date="1月5日"), "测试签名")
    assert text.startswith("【测试签名】提醒：请于1月5日前与小红")


def test_reminders_carry_opt_out_hint():
    for code in ("contact_due", "visit_due", "contact_overdue"):
        assert render(msg(code)).endswith("回T退订")


def test_no_template_takes_a_full_name_or_id():
    for template in TEMPLATES.values():
        for param in template.params:
            assert "id" not in param.split("_") and "number" not in param
            assert "name" not in param or param.endswith("_given_name"), param


@pytest.mark.parametrize("params", [
    {"child_given_name": "小明"},
    {"child_given_name": "小明", "due_date": "1月5日", "full_name": "王小明"},
])
def test_render_rejects_missing_and_extra_params(params):
    with pytest.raises(ValueError, match="contact_due"):
        render(Message("k", PHONE, "contact_due", params))


def test_render_rejects_unknown_template():
    with pytest.raises(ValueError):
        render(Message("k", PHONE, "no_such_template", {}))


def test_template_placeholders_must_match_params():
    with pytest.raises(ValueError):
        Template("x", "{a}{b}", ("a",), "routine")


# --- registry, console, file -----------------------------------------------------------


def test_registry_and_unknown_backend():
    assert set(BACKENDS) == {"console", "file", "aliyun", "tencent"}
    with pytest.raises(ValueError, match="nope"):
        get_backend("nope", {})


@pytest.mark.parametrize("name, settings", [
    ("aliyun", {"ALIYUN_ACCESS_KEY_ID": "id"}),
    ("tencent", {"TENCENT_SECRET_ID": "id", "TENCENT_SECRET_KEY": "key"}),
    ("file", {}),
])
def test_backend_without_credentials_refuses_to_start(name, settings):
    with pytest.raises(ValueError, match=name):
        get_backend(name, settings)


def test_console_prints_masked_number(capsys):
    result = get_backend("console", {}).send(msg())
    out = capsys.readouterr().out
    assert result.status == "sent" and result.provider_message_id == f"console-{msg().key}"
    assert "138****8000" in out and NATIONAL not in out
    assert out.startswith("SMS to 138****8000 [contact_due] 【牵手童行】") and out.count("\n") == 1


def test_console_fails_bad_params_without_raising(capsys):
    result = get_backend("console", {}).send(Message("k", PHONE, "contact_due", {}))
    assert result.status == "failed" and "child_given_name" in result.error


def read_lines(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh.read().splitlines()]


def test_file_writes_json_lines(tmp_path):
    path = tmp_path / "out" / "sms.jsonl"
    backend = get_backend("file", {"SMS_FILE": str(path)})
    assert backend.send(msg()).status == "sent"
    assert backend.send(msg("verification_code", key="k2")).provider_message_id == "file-k2"
    first, second = read_lines(path)
    assert first["key"] == msg().key and first["to"] == PHONE
    assert first["template"] == "contact_due" and first["params"] == PARAMS["contact_due"]
    assert first["text"] == render(msg()) and first["sent_at"].endswith("+00:00")
    assert second["params"] == {"code": "123456"}


def test_file_isolates_a_torn_line(tmp_path):
    path = tmp_path / "sms.jsonl"
    path.write_bytes(b'{"key": "half')
    get_backend("file", {"SMS_FILE": str(path)}).send(msg())
    torn, whole = path.read_text(encoding="utf-8").splitlines()
    assert torn == '{"key": "half' and json.loads(whole)["key"] == msg().key


def test_file_concurrent_threads(tmp_path):
    path = tmp_path / "sms.jsonl"
    backend = get_backend("file", {"SMS_FILE": str(path)})

    def write(worker):
        for i in range(25):
            assert backend.send(msg(key=f"t{worker}-{i}")).status == "sent"

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["key"] for r in read_lines(path)) == sorted(
        f"t{w}-{i}" for w in range(8) for i in range(25))


WRITER = """
import sys
from services.sms.providers import Message, get_backend  # noqa: E402
backend = get_backend("file", {"SMS_FILE": sys.argv[1]})
for i in range(int(sys.argv[3])):
    params = {"child_given_name": "小明", "due_date": "12月1日"}
    assert backend.send(Message(f"{sys.argv[2]}-{i}", "+8613800138000", "contact_due",
                                params)).status == "sent"
"""


def test_file_concurrent_processes(tmp_path):
    path = tmp_path / "sms.jsonl"
    env = {**os.environ, "PYTHONPATH": ROOT}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"p{n}", "150"],
                              cwd=ROOT, env=env) for n in range(2)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    keys = [r["key"] for r in read_lines(path)]
    assert len(keys) == 300 and len(set(keys)) == 300


# --- Aliyun ----------------------------------------------------------------------------


class FakeAliyunClient:
    """Stands in for alibabacloud_dysmsapi20170525.client.Client."""

    def __init__(self, body=None, exc=None):
        self.body, self.exc, self.calls = body, exc, []

    def send_sms_with_options(self, request, runtime):
        from alibabacloud_dysmsapi20170525.models import SendSmsResponse

        self.calls.append((request, runtime))
        if self.exc is not None:
            raise self.exc
        return SendSmsResponse().from_map({"statusCode": 200, "headers": {},
                                           "body": {"RequestId": "r1", **self.body}})


def aliyun_with(**fake):
    backend = get_backend("aliyun", ALIYUN_SETTINGS)
    backend.client = FakeAliyunClient(**fake)
    return backend


def aliyun_network_error(inner):
    """Wrap ``inner`` exactly as darabonba does: RetryError from the IOError, then
    UnretryableException around it once the (disabled) retries are used up."""
    from darabonba.exceptions import RetryError, UnretryableException
    from darabonba.policy.retry import RetryPolicyContext

    try:
        try:
            raise inner
        except OSError as exc:
            # As in DaraCore.do_action: no "from", the requests error is the __context__.
            raise RetryError(str(exc))  # noqa: B904
    except RetryError as retry:
        return UnretryableException(RetryPolicyContext(retries_attempted=1, exception=retry))


def test_aliyun_success_and_request_shape():
    backend = aliyun_with(body={"Code": "OK", "Message": "OK", "BizId": "900619^0"})
    result = backend.send(msg("escalation_coordinator"))
    assert (result.status, result.provider_message_id) == ("sent", "900619^0")
    request, runtime = backend.client.calls[0]
    assert request.phone_numbers == NATIONAL
    assert request.out_id == msg().key and request.sign_name == "牵手童行"
    assert request.template_code == ALIYUN_SETTINGS["ALIYUN_TEMPLATE_CODES"][
        "escalation_coordinator"]
    assert list(json.loads(request.template_param).items()) == list(
        PARAMS["escalation_coordinator"].items())
    assert runtime.read_timeout == 300 and runtime.connect_timeout == 300
    assert runtime.autoretry is False


def test_aliyun_international_number_has_no_plus():
    backend = aliyun_with(body={"Code": "OK", "BizId": "1"})
    backend.send(Message("k", "+85291234567", "verification_code", {"code": "1"}))
    assert backend.client.calls[0][0].phone_numbers == "85291234567"


@pytest.mark.parametrize("code, status", [
    ("isv.BUSINESS_LIMIT_CONTROL", "retry"),
    ("isv.DAY_LIMIT_CONTROL", "retry"),
    ("Throttling.User", "retry"),
    ("isv.MOBILE_NUMBER_ILLEGAL", "failed"),
    ("isv.SMS_TEMPLATE_ILLEGAL", "failed"),
    ("isv.SMS_SIGNATURE_ILLEGAL", "failed"),
    ("isv.AMOUNT_NOT_ENOUGH", "failed"),
    ("isp.SYSTEM_ERROR", "unknown"),
])
def test_aliyun_response_codes(code, status):
    result = aliyun_with(body={"Code": code, "Message": "x"}).send(msg())
    assert (result.status, result.error) == (status, code)
    assert result.provider_message_id is None


def test_aliyun_http_error_exceptions():
    from alibabacloud_tea_openapi.exceptions import (
        ClientException,
        ServerException,
        ThrottlingException,
    )

    cases = [
        (ThrottlingException(code="Throttling.User", status_code=400, retry_after=5), "retry"),
        (ClientException(code="Throttling.User", status_code=400), "retry"),
        (ClientException(code="InvalidAccessKeyId.NotFound", status_code=404), "failed"),
        (ServerException(code="ServiceUnavailable", status_code=503), "retry"),
        (ServerException(code="InternalError", status_code=500), "unknown"),
        (ServerException(code="None", status_code=502), "unknown"),
    ]
    for exc, status in cases:
        assert aliyun_with(exc=exc).send(msg()).status == status, exc


def test_aliyun_network_exceptions():
    import requests.exceptions as rex
    import urllib3.exceptions as uex

    refused = rex.ConnectionError(uex.MaxRetryError(None, "/", uex.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused")))
    cases = [
        (aliyun_network_error(refused), "retry"),
        (aliyun_network_error(rex.ConnectTimeout("connect timed out")), "retry"),
        (aliyun_network_error(rex.ReadTimeout(f"read timed out ?PhoneNumbers={NATIONAL}")),
         "unknown"),
        (aliyun_network_error(rex.ConnectionError(uex.ProtocolError("Connection aborted."))),
         "unknown"),
        (RuntimeError("surprise"), "unknown"),
    ]
    for exc, status in cases:
        result = aliyun_with(exc=exc).send(msg())
        assert result.status == status, exc
        assert NATIONAL not in result.error


def test_aliyun_unmapped_template_and_bad_number_fail_without_calling():
    settings = {**ALIYUN_SETTINGS, "ALIYUN_TEMPLATE_CODES": {}}
    backend = get_backend("aliyun", settings)
    backend.client = FakeAliyunClient(body={"Code": "OK"})
    assert backend.send(msg()).status == "failed"
    backend = aliyun_with(body={"Code": "OK"})
    assert backend.send(Message("k", NATIONAL, "contact_due", PARAMS["contact_due"])).status \
        == "failed"
    assert backend.client.calls == []


# --- Tencent ---------------------------------------------------------------------------


class FakeTencentClient:
    """Stands in for tencentcloud.sms.v20210111.sms_client.SmsClient."""

    def __init__(self, status=None, exc=None):
        self.status, self.exc, self.calls = status, exc, []

    def SendSms(self, request):  # noqa: N802 (the SDK's name)
        from tencentcloud.sms.v20210111.models import SendSmsResponse

        self.calls.append(request)
        if self.exc is not None:
            raise self.exc
        response = SendSmsResponse()
        response._deserialize({"RequestId": "r1", "SendStatusSet": [{
            "SerialNo": "2433:1", "PhoneNumber": request.PhoneNumberSet[0], "Fee": 1,
            "SessionContext": request.SessionContext, "Message": "m", "IsoCode": "CN",
            **self.status}]})
        return response


def tencent_with(**fake):
    backend = get_backend("tencent", TENCENT_SETTINGS)
    backend.client = FakeTencentClient(**fake)
    return backend


def tencent_network_error(inner):
    """Wrap ``inner`` exactly as the SDK's ApiRequest.send_request does."""
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )

    try:
        try:
            raise inner
        except Exception as exc:
            raise TencentCloudSDKException("ClientNetworkError", str(exc))  # noqa: B904
    except TencentCloudSDKException as wrapped:
        return wrapped


def test_tencent_success_and_request_shape():
    backend = tencent_with(status={"Code": "Ok"})
    result = backend.send(msg("escalation_coordinator"))
    assert (result.status, result.provider_message_id) == ("sent", "2433:1")
    request = backend.client.calls[0]
    assert request.PhoneNumberSet == [PHONE] and request.SessionContext == msg().key
    assert request.SmsSdkAppId == "1400001" and request.SignName == "牵手童行"
    assert request.TemplateId == TENCENT_SETTINGS["TENCENT_TEMPLATE_IDS"][
        "escalation_coordinator"]
    assert request.TemplateParamSet == ["丽华", "小明明", "30"]


@pytest.mark.parametrize("code", ["escalation_local_contact", "escalation_no_local_contact"])
def test_ladder_templates_go_through_every_provider(code):
    aliyun = aliyun_with(body={"Code": "OK", "Message": "OK", "BizId": "1^0"})
    assert aliyun.send(msg(code)).status == "sent"
    request, _ = aliyun.client.calls[0]
    assert request.template_code == ALIYUN_SETTINGS["ALIYUN_TEMPLATE_CODES"][code]
    assert json.loads(request.template_param) == PARAMS[code]
    tencent = tencent_with(status={"Code": "Ok"})
    assert tencent.send(msg(code)).status == "sent"
    request = tencent.client.calls[0]
    assert request.TemplateId == TENCENT_SETTINGS["TENCENT_TEMPLATE_IDS"][code]
    assert request.TemplateParamSet == [PARAMS[code][name] for name in TEMPLATES[code].params]


@pytest.mark.parametrize("code, status", [
    ("LimitExceeded.PhoneNumberDailyLimit", "retry"),
    ("LimitExceeded.DeliveryFrequencyLimit", "retry"),
    ("InvalidParameterValue.IncorrectPhoneNumber", "failed"),
    ("FailedOperation.TemplateIncorrectOrUnapproved", "failed"),
    ("FailedOperation.PhoneNumberInBlacklist", "failed"),
    ("InternalError.Timeout", "unknown"),
])
def test_tencent_status_codes(code, status):
    result = tencent_with(status={"Code": code}).send(msg())
    assert (result.status, result.error) == (status, code)


def test_tencent_exceptions():
    import requests.exceptions as rex
    import urllib3.exceptions as uex
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException as SDKError,
    )

    dns = rex.ConnectionError(uex.MaxRetryError(None, "/", uex.NameResolutionError(
        "sms.tencentcloudapi.com", None, socket.gaierror(-2, "Name or service not known"))))
    cases = [
        (tencent_network_error(dns), "retry"),
        (tencent_network_error(rex.ConnectTimeout("connect timed out")), "retry"),
        (tencent_network_error(rex.ReadTimeout("read timed out")), "unknown"),
        (SDKError("RequestLimitExceeded", "too fast", "req-1"), "retry"),
        (SDKError("AuthFailure.SecretIdNotFound", "no", "req-1"), "failed"),
        (SDKError("InternalError", "oops", "req-1"), "unknown"),
        (SDKError("ServerNetworkError", b"<html>502</html>"), "unknown"),
        (SDKError("KeyError", "'Response'"), "unknown"),
        (SDKError("InvalidCredential", "secret id should not be none or empty"), "failed"),
    ]
    for exc, status in cases:
        assert tencent_with(exc=exc).send(msg()).status == status, exc


# --- both SDKs for real, against sockets on 127.0.0.1 ----------------------------------


@pytest.fixture
def local_ports():
    """Ports for: a closed port, a listener that never answers, one that hangs up."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    silent, hangup = socket.socket(), socket.socket()
    accepted, stop = [], threading.Event()
    for s in (silent, hangup):
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        s.settimeout(0.1)

    def serve():
        while not stop.is_set():
            for s, hang in ((silent, False), (hangup, True)):
                try:
                    conn, _ = s.accept()
                except OSError:
                    continue
                if hang:
                    conn.recv(65536)
                    conn.close()
                else:
                    accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield {"refused": closed_port, "silent": silent.getsockname()[1],
           "hangup": hangup.getsockname()[1]}
    stop.set()
    thread.join()
    for s in (silent, hangup, *accepted):
        s.close()


EXPECTED = {"refused": "retry", "silent": "unknown", "hangup": "unknown"}


def test_aliyun_sdk_network_errors_for_real(local_ports):
    from alibabacloud_dysmsapi20170525.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    for case, port in local_ports.items():
        backend = AliyunBackend(ALIYUN_SETTINGS)
        backend.client = Client(Config(access_key_id="id", access_key_secret="secret",
                                       endpoint=f"127.0.0.1:{port}", protocol="http"))
        result = backend.send(msg())
        assert result.status == EXPECTED[case], (case, result)
        assert NATIONAL not in result.error


def test_tencent_sdk_network_errors_for_real(local_ports):
    from tencentcloud.common.credential import Credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sms.v20210111.sms_client import SmsClient

    for case, port in local_ports.items():
        backend = TencentBackend(TENCENT_SETTINGS)
        profile = ClientProfile(httpProfile=HttpProfile(
            endpoint=f"127.0.0.1:{port}", protocol="http", reqTimeout=0.3))
        backend.client = SmsClient(Credential("id", "key"), "ap-guangzhou", profile)
        result = backend.send(msg())
        assert result.status == EXPECTED[case], (case, result)


def test_aliyun_sdk_http_answers_for_real():
    from alibabacloud_dysmsapi20170525.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    answers = [(200, {"Code": "OK", "BizId": "77^0"}),
               (400, {"Code": "Throttling.User", "Message": "x"}),
               (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "x"})]
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers.get("content-length") or 0))
            seen.append(self.path)
            status, body = answers[len(seen) - 1]
            data = json.dumps({"RequestId": "r", **body}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        backend = AliyunBackend(ALIYUN_SETTINGS)
        backend.client = Client(Config(access_key_id="id", access_key_secret="secret",
                                       endpoint=f"127.0.0.1:{server.server_port}",
                                       protocol="http"))
        results = [backend.send(msg()) for _ in answers]
    finally:
        server.shutdown()
        server.server_close()
    assert [(r.status, r.provider_message_id) for r in results] == [
        ("sent", "77^0"), ("retry", None), ("failed", None)]
    assert "OutId=pair%3A1%3Acontact%3A2026-12-01%3Adue" in seen[0]
    assert f"PhoneNumbers={NATIONAL}" in seen[0]


# --- receipts --------------------------------------------------------------------------


def test_aliyun_receipts():
    payload = json.dumps([
        {"phone_number": NATIONAL, "send_time": "2026-12-01 09:00:00",
         "report_time": "2026-12-01 09:00:05", "success": True, "err_code": "DELIVERED",
         "err_msg": "用户接收成功", "sms_size": "1", "biz_id": "900^0", "out_id": "k1"},
        {"phone_number": NATIONAL, "success": False, "err_code": "MK:0012",
         "err_msg": "x", "biz_id": "901^0", "out_id": ""},
    ], ensure_ascii=False).encode()
    delivered, failed = parse_receipts("aliyun", payload)
    assert (delivered.key, delivered.provider_message_id, delivered.status, delivered.error) \
        == ("k1", "900^0", "delivered", "")
    assert (failed.key, failed.provider_message_id, failed.status, failed.error) \
        == (None, "901^0", "failed", "MK:0012")


def test_tencent_receipts():
    payload = [
        {"user_receive_time": "2026-12-01 09:00:03", "nationcode": "86", "mobile": NATIONAL,
         "report_status": "SUCCESS", "errmsg": "DELIVRD", "description": "用户短信送达成功",
         "sid": "2433:1", "session_context": "k1"},
        {"user_receive_time": "2026-12-01 09:00:03", "nationcode": "86", "mobile": NATIONAL,
         "report_status": "FAIL", "errmsg": "MK:0001", "description": "x", "sid": "2433:2"},
    ]
    delivered, failed = parse_receipts("tencent", json.dumps(payload))
    assert (delivered.key, delivered.provider_message_id, delivered.status) == (
        "k1", "2433:1", "delivered")
    assert (failed.key, failed.provider_message_id, failed.status, failed.error) == (
        None, "2433:2", "failed", "MK:0001")


@pytest.mark.parametrize("provider, payload", [
    ("aliyun", "not json"),
    ("aliyun", "42"),
    ("aliyun", [{"biz_id": "1"}]),
    ("aliyun", [{"success": True}]),
    ("aliyun", ["x"]),
    ("tencent", [{"sid": "1", "report_status": "MAYBE"}]),
    ("tencent", [{"report_status": "SUCCESS", "mobile": NATIONAL}]),
    ("nope", []),
])
def test_malformed_receipts_raise(provider, payload):
    with pytest.raises(ValueError) as info:
        parse_receipts(provider, payload)
    assert NATIONAL not in str(info.value)
