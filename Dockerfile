# syntax=docker/dockerfile:1
# OpenAI Agent MCP, Streamable HTTP server. The build stage installs everything, builds the app bundle and
# assembles the runtime tree (production dependencies only, see deploy/assemble-runtime.sh); the runtime stage
# holds that tree alone and runs it as an unprivileged user.
#   docker build -t agent-mcp .
#   docker run -p 3000:3000 -e AUTH_MODE=api-key -e API_KEYS_FILE=/run/secrets/keys.json -e PUBLIC_URL=... agent-mcp

ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CI=true
COPY . .
RUN npm ci --no-audit --no-fund \
 && npx nx run-many -t build -p http-server tools-database --output-style=stream \
 && sh deploy/assemble-runtime.sh /src /runtime

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build /runtime/ /app/
# The node image's unprivileged user (uid 1000); it owns nothing but the embedded database's directory.
RUN mkdir -p /var/lib/agent-mcp && chown node:node /var/lib/agent-mcp
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "apps/http-server/dist/main.js"]
