# The one image of web, workers and beat. Build args pick the torch build: the default
# index gives the CUDA build that GPU workers need.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
ARG TORCH_SPEC="torch==2.13.0"

RUN apt-get update && apt-get install -y --no-install-recommends build-essential curl gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY config config
COPY accounts accounts
COPY taxonomy taxonomy
COPY catalog catalog
COPY ml ml
COPY frontend frontend
COPY demo demo
COPY manage.py ./
RUN pip install "$TORCH_SPEC" && pip install .
RUN useradd --create-home zokusei && mkdir -p /var/lib/zokusei && chown zokusei /var/lib/zokusei
USER zokusei
ENV ZOKUSEI_VAR_DIR=/var/lib/zokusei
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
