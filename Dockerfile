# For deployers; not built or run in this project's CI (no container engine there).
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN pybabel compile -d translations
# Compile the matching kernels once, into numba's cache, not on the first run.
RUN python -c "from services.matching.engine import warm_up; warm_up()"
ENV QIANSHOU_ENV=production
CMD ["gunicorn", "--workers", "4", "--bind", "0.0.0.0:8000", "app:app"]
