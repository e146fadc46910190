"""What the pages and the API share for one-time codes: limits, client address, sending."""

import logging

from flask import current_app, request
from kombu.exceptions import OperationalError as BrokerUnavailable

from blueprints.background import enqueue
from services.access import otp

log = logging.getLogger(__name__)


def limits() -> otp.Limits:
    return otp.Limits(per_address_per_hour=current_app.config["OTP_CODES_PER_ADDRESS_HOUR"])


def client_address() -> str:
    return request.remote_addr or ""


def send_now() -> None:
    """Ask a worker to send the queued code at once (after the commit). If the broker is
    down the code waits in the outbox, and the next sweep sends it."""

    try:
        enqueue("sms.send_due")
    except BrokerUnavailable:
        log.warning("broker unreachable: a one-time code waits for the next sweep")
