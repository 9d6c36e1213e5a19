# syntax=docker/dockerfile:1
# One image recipe for the four Python services (the console, which also builds the front end, has its own:
# services/console/Dockerfile). Build from the repository root, naming the service and its port:
#   docker build --build-arg SERVICE=registry --build-arg PORT=8001 -t fc-registry:0.1.0 .
#   (funding 8002, inspection 8003, notify 8004 — tools/services.py and the manifests use the same ports)
# The install is `make install`'s pip command for this one service, without -e.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY constraints.txt ./
COPY shared/pyproject.toml shared/
COPY shared/fc_shared shared/fc_shared
COPY services/${SERVICE}/pyproject.toml services/${SERVICE}/
COPY services/${SERVICE}/fc_${SERVICE} services/${SERVICE}/fc_${SERVICE}
RUN test -n "${SERVICE}" \
 && python -m venv /opt/venv \
 && /opt/venv/bin/pip install -q -c constraints.txt ./shared ./services/${SERVICE}

FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
ARG PORT
RUN test -n "${SERVICE}" && test -n "${PORT}" \
 && groupadd --system --gid 10001 fc \
 && useradd --system --uid 10001 --gid fc --home-dir /app --no-create-home --shell /usr/sbin/nologin fc \
 && mkdir -p /var/lib/fc && chown fc:fc /var/lib/fc
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The migration Job runs: alembic -c services/<service>/alembic.ini upgrade head
COPY services/${SERVICE}/alembic.ini services/${SERVICE}/alembic.ini
COPY services/${SERVICE}/migrations services/${SERVICE}/migrations
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 FC_DATA_DIR=/var/lib/fc \
    FC_IMAGE_SERVICE=${SERVICE} FC_IMAGE_PORT=${PORT}
USER 10001:10001
EXPOSE ${PORT}
# `make run` starts: python -m uvicorn fc_<service>.main:app --host … --port <port> (tools/devrun.py)
CMD ["sh", "-c", "exec uvicorn fc_${FC_IMAGE_SERVICE}.main:app --host 0.0.0.0 --port ${FC_IMAGE_PORT} --timeout-graceful-shutdown 20"]
