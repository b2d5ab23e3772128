# psti in a minimal image: one static binary, run as an unprivileged user,
# with its data in the /data volume.
#
#   docker build -t psti --build-arg VERSION=$(git describe --always) .
#   docker run -p 8080:8080 -v psti-data:/data -e PSTI_BASE_URL=https://psti.example.com psti
#
# The first start prints a one-time setup link on the container's log.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/psti ./cmd/psti \
 && mkdir -p /out/data /out/tmp && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/psti /psti
COPY --from=build --chown=65532:65532 /out/data /data
# SQLite and Go want a temporary directory.
COPY --from=build /out/tmp /tmp
USER 65532:65532
WORKDIR /data
ENV PSTI_ADDR=0.0.0.0:8080 \
    PSTI_DATABASE_URL=sqlite:/data/psti.db \
    PSTI_LOG_FORMAT=json
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/psti"]
CMD ["serve"]
