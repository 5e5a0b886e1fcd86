# syntax=docker/dockerfile:1
# One image per Parley function: docker build --build-arg FUNCTION=dialogue-start -t parley/dialogue-start .
# scripts/build-images.sh builds all of them; deploy/functions.json lists them.

ARG NODE_VERSION=20.19

# ---- build: bundle one function with esbuild (dev dependencies needed here only) ----
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# package.json's overrides point node-llama-cpp's GPU builds at this empty stub.
COPY stubs stubs
# No install scripts: nothing Parley bundles needs one, and esbuild ships its binary as a package.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY shared shared
COPY functions functions
COPY content content
COPY deploy/functions.json deploy/functions.json
ARG FUNCTION
# Fail early on a missing or unknown FUNCTION rather than shipping an empty image.
RUN test -n "${FUNCTION}" && test -f "functions/${FUNCTION}/main.ts" \
 && node scripts/build.mjs "${FUNCTION}" \
 && mkdir -p /out \
 && cp "dist/${FUNCTION}/index.js" "dist/${FUNCTION}/index.js.map" /out/ \
 && if node -e "process.exit(require('./deploy/functions.json').functions[process.argv[1]].characters ? 0 : 1)" "${FUNCTION}"; \
    then mkdir -p /out/content && cp -r content/characters /out/content/characters; fi

# ---- runtime: distroless Node, no shell, no package manager, non-root ----
FROM gcr.io/distroless/nodejs20-debian12:nonroot AS runtime
ARG FUNCTION
LABEL org.opencontainers.image.title="parley-${FUNCTION}" \
      org.opencontainers.image.description="Parley ${FUNCTION} function" \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
COPY --from=build /out/ /app/
# CHARACTERS_DIR's default (content/characters) resolves under /app, where the content was copied.
ENV NODE_ENV=production \
    PORT=8080
# 65532 is distroless' "nonroot"; numeric so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8080
# The image's entrypoint is node.
CMD ["--enable-source-maps", "/app/index.js"]
