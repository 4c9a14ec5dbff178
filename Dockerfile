# One image for every Triad service; the executable is chosen by the SERVICE build argument
# (marketing, finance or it) or by overriding the command.

# The build stage is the official Debian 12 Swift image: the same toolchain and distribution as the
# machines the suite is developed and tested on.
FROM swift:6.3-bookworm AS build
# librdkafka for the Kafka client; libcurl's development files because `triad` links Foundation's
# URLSession statically (the Swift image usually carries them; the stage does not rely on it).
RUN apt-get update \
    && apt-get install -y --no-install-recommends librdkafka-dev pkg-config libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies resolve in their own layer, so source edits do not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Shared Shared
COPY Services Services
COPY Tools Tools
COPY Tests Tests
# SwiftPM builds only the last --product of one command: one build per product. Marketing's page
# template is a resource: its bundle goes beside the binary, where the binary looks for it.
RUN for product in marketing-service finance-service it-service triad; do \
        swift build -c release --static-swift-stdlib --product "$product" || exit 1; \
    done \
    && mkdir /out \
    && cp .build/release/marketing-service .build/release/finance-service .build/release/it-service \
          .build/release/triad /out/ \
    && cp -R .build/release/Triad_marketing-service.resources /out/

# Debian 13's librdkafka1 is 2.8.0 (Debian 12's is 2.0.2, which Triad refuses: it needs 2.2 or newer).
# The binaries link the Swift runtime statically, so only librdkafka, libcurl (triad's URLSession) and
# libc come from this image; curl is the compose healthcheck's client.
FROM debian:trixie-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends librdkafka1 libcurl4t64 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home triad \
    && mkdir /data && chown triad /data
COPY --from=build /out/ /usr/local/bin/
ARG SERVICE=marketing
# Without TRIAD_DATABASE_URL a container keeps its SQLite file in /data (mount a volume there).
ENV TRIAD_SERVICE=${SERVICE} \
    TRIAD_HTTP_HOST=0.0.0.0 \
    TRIAD_HTTP_PORT=8080
WORKDIR /data
USER triad
EXPOSE 8080
ENTRYPOINT ["/bin/sh", "-c", "exec /usr/local/bin/${TRIAD_SERVICE}-service \"$@\"", "--"]
