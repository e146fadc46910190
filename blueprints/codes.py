"""What the pages and the API share for one-time codes: limits and the client address.

A queued code is sent as soon as the request commits (tasks.dispatch wakes the sender).
"""

from flask import current_app, request

from services.access import otp


def limits() -> otp.Limits:
    return otp.Limits(per_address_per_hour=current_app.config["OTP_CODES_PER_ADDRESS_HOUR"])

def client_address() -> str:
    return request.remote_addr or ""
