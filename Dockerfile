# syntax=docker/dockerfile:1

# Build: the toolchain, plus what the bundled SQLite, libpq and OpenSSL builds need. The image
# talks to PostgreSQL across a network, so it is built with TLS to it (`postgres-tls`).
FROM rust:1.95-slim-bookworm AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends perl make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin broadsheet --features postgres-tls \
 && cp target/release/broadsheet /usr/local/bin/broadsheet

# Run: a slim image, a non-root user, the database on a volume.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/broadsheet broadsheet \
 && mkdir -p /var/lib/broadsheet \
 && chown broadsheet:broadsheet /var/lib/broadsheet
COPY --from=builder /usr/local/bin/broadsheet /usr/local/bin/broadsheet
USER broadsheet
WORKDIR /var/lib/broadsheet
VOLUME ["/var/lib/broadsheet"]
ENV BROADSHEET_BIND=0.0.0.0:8080 \
    BROADSHEET_DATABASE_URL=sqlite:///var/lib/broadsheet/broadsheet.db \
    BROADSHEET_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["broadsheet"]
CMD ["serve"]
