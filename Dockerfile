# Production image: the app and its migrations; the database and Redis come from docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OPENBLAS_NUM_THREADS=1 \
    CLOSETCALL_ENV=production \
    CLOSETCALL_VAR_DIR=/var/lib/closetcall

WORKDIR /srv/closetcall
COPY pyproject.toml README.md ./
COPY app ./app
COPY signaling ./signaling
COPY web ./web
RUN pip install --upgrade pip && pip install -e . \
 && useradd --system --home /var/lib/closetcall closetcall \
 && mkdir -p /var/lib/closetcall && chown closetcall /var/lib/closetcall
USER closetcall

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["closetcall", "serve", "--host", "0.0.0.0", "--port", "8000"]
