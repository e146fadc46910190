# For deployers; not built or run in this project's CI (no container engine there).
# .dockerignore keeps instance/ (keys, the SQLite file), .env files and .git out of it.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN pybabel compile -d translations
# Compile the matching kernels once, into numba's cache, not on the first run.
RUN python -c "from services.matching.engine import warm_up; warm_up()"
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin qianshou \
    && mkdir -p /app/instance && chown qianshou /app/instance
USER qianshou
ENV QIANSHOU_ENV=production
CMD ["gunicorn", "--workers", "4", "--bind", "0.0.0.0:8000", "--access-logfile", "-", \
     "--logger-class", "gunicorn_logging.RedactingLogger", "app:app"]
