# One image for every Triad service; the executable is chosen by the SERVICE build argument
# (marketing, finance or it) or by overriding the command.

FROM swift:6.3-noble AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends librdkafka-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies resolve in their own layer, so source edits do not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Shared Shared
COPY Services Services
COPY Tools Tools
COPY Tests Tests
# SwiftPM builds only the last --product of one command: one build per product.
RUN for product in marketing-service finance-service it-service triad; do \
        swift build -c release --static-swift-stdlib --product "$product" || exit 1; \
    done \
    && mkdir /out \
    && cp .build/release/marketing-service .build/release/finance-service .build/release/it-service \
          .build/release/triad /out/

FROM ubuntu:noble
# Ubuntu 24.04's librdkafka1 is 2.3: new enough for current brokers (Triad refuses anything older than 2.2).
RUN apt-get update \
    && apt-get install -y --no-install-recommends librdkafka1 ca-certificates curl \
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
