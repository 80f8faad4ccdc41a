# syntax=docker/dockerfile:1

# ---- build: compile src/ to dist/, and the web view to web/dist/ ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
COPY schema.graphql ./
COPY scripts/build-web.ts ./scripts/
COPY web ./web
RUN rm -rf web/dist && npm run build:web

# ---- runtime: production dependencies, dist/ and web/dist/ only ----
FROM node:20-bookworm-slim AS runtime
# HOST=0.0.0.0 needs AUTH_TOKENS or AUTH_JWKS_URL (or ALLOW_ANONYMOUS=true): the API refuses to serve anonymously beyond loopback.
ENV NODE_ENV=production PORT=4000 HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
# Optional dependencies stay: @anthropic-ai/claude-agent-sdk ships its native
# `claude` binary in one (CLAUDE_AGENT provider), so no --omit=optional here.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
USER node
EXPOSE 4000
# graphql-yoga answers GET /health; slim images have no curl, so Node's fetch does it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# --max-semi-space-size: see src/node-flags.ts.
CMD ["node", "--max-semi-space-size=8", "dist/main.js"]
