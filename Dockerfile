# The Proctor platform: web server plus in-process grading workers, which run each submission in a Docker
# sandbox container through the host's engine (compose.yaml mounts its socket; read docs/deployment.md first:
# that socket is root on the host). Build: docker build -t proctor .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Requirements first, so code changes reuse the dependency layer.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY pyproject.toml README.md ./
COPY proctor ./proctor
COPY challenges ./challenges
COPY graders ./graders
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /var/lib/proctor --shell /usr/sbin/nologin proctor \
    && mkdir -p /var/lib/proctor /run/proctor \
    && chown proctor:proctor /var/lib/proctor /run/proctor

ENV PROCTOR_ENVIRONMENT=production \
    PROCTOR_HOST=0.0.0.0 \
    PROCTOR_DATA_DIR=/var/lib/proctor \
    PROCTOR_CHALLENGES_DIR=/app/challenges \
    PROCTOR_GRADERS_DIR=/app/graders \
    PROCTOR_SANDBOX=docker \
    PROCTOR_DOCKER_SOCKET_ROOT=/run/proctor

USER proctor
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["proctor", "serve"]
