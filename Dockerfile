# The claude-relay companion: the self-contained ncc bundle (npm run build → dist/companion/),
# nothing else. Build from the repository root after `npm run build`:
#
#   docker build -t claude-relay-companion .
#   docker run --rm -p 3000:3000 --env-file .env claude-relay-companion
FROM node:24-slim

ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    LOG_FORMAT=json

WORKDIR /app
# Owned by root and read-only for the runtime user.
COPY dist/companion/ ./dist/companion/

USER node
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM: acknowledged work finishes (up to DRAIN_TIMEOUT_MS, 25 s) before the process exits; what
# is left is logged. With REDIS_URL it stays queued for the other replicas (see compose.yaml).
STOPSIGNAL SIGTERM
CMD ["node", "dist/companion/index.js"]
