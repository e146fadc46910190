# For deployers; not built or run in this project's CI (no container engine there).
# .dockerignore keeps instance/ (keys, the SQLite file), .env files and .git out of it.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN pybabel compile -d translations \
    && python -m compileall -q app.py config.py extensions.py blueprints core models services tasks
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin qianshou \
    && mkdir -p /app/instance && chown qianshou /app/instance
# Compile the matching kernels once, into a numba cache the app user may use, not on
# the first run.
ENV NUMBA_CACHE_DIR=/app/.numba-cache
RUN python -c "from services.matching.engine import warm_up; warm_up()" \
    && chown -R qianshou /app/.numba-cache
USER qianshou
ENV QIANSHOU_ENV=production
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:app"]
