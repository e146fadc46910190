"""Gunicorn's settings, one place for every way the site is served: the Procfile, the
Docker image, ``make services`` and the load test (``gunicorn -c gunicorn.conf.py app:app``).

Workers and threads.  ``WEB_CONCURRENCY`` processes (4) of ``GUNICORN_THREADS`` threads
(2) each: a thread waiting on PostgreSQL leaves the process's other thread serving.

Keep-alive.  Browsers, phones and a proxy in front all reuse a connection for the next
request.  Gunicorn closes a connection that has been idle for ``keepalive`` seconds (2 by
default); a request sent just as it closes is lost, and the client sees a reset
(``ConnectionResetError``, ``RemoteDisconnected``) instead of a page.  People pause for
a second or three between pages, so with 2 s that race is hit every few hundred requests.
The rule is that the client, or the proxy, must always be the side that gives up an idle
connection first: so the server waits ``GUNICORN_KEEPALIVE`` seconds (75), longer than
nginx keeps an idle upstream connection (``keepalive_timeout`` 60 s) or a person pauses
between two pages of a task.  An idle connection costs a gthread worker a socket in its
poller, not a thread.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
timeout = 30
accesslog = "-"
logger_class = "gunicorn_logging.RedactingLogger"
