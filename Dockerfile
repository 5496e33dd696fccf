# Tessera: multi-stage build, non-root runtime, data in /data.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin tessera

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libssl3 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin tessera \
    && mkdir -p /data /app && chown tessera:tessera /data && chmod 0700 /data
WORKDIR /app
COPY --from=build /src/target/release/tessera /usr/local/bin/tessera
COPY templates /app/templates
COPY static /app/static
COPY tessera.example.toml /app/tessera.example.toml
ENV TESSERA_DATA_DIR=/data \
    TESSERA_PUBLIC_ADDR=0.0.0.0:8080 \
    TESSERA_ADMIN_ADDR=0.0.0.0:8081 \
    TESSERA_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080 8081
USER tessera
STOPSIGNAL SIGTERM
ENTRYPOINT ["tessera"]
CMD ["serve"]
