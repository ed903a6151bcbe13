# The hub image: `hub` (serve, migrate, seed, broker-config, ...) and `device-sims`.
# Built by docker-compose.yml; see docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY firmware_protocols ./firmware_protocols
COPY device_sims ./device_sims
RUN pip install . \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/hub --create-home hub \
    && install -d -o hub -g hub /fleet

USER hub
WORKDIR /var/lib/hub
ENV HUB_API_HOST=0.0.0.0 \
    HUB_API_PORT=8000
EXPOSE 8000
CMD ["hub", "serve"]
