"""The privacy notice volunteers accept at sign-up (PIPL art. 17, 30, 31).

The notice's text lives in templates/main/privacy_*.html; its version is recorded with
each consent (``volunteers.privacy_notice_version``), so a changed notice can be told
apart from the one a person accepted. Change ``NOTICE_VERSION`` whenever the text's
meaning changes.
"""

NOTICE_VERSION = "2026-12-01"
