# Parley node image: every service in one image; the command picks what it runs
# (`parley start` = all-in-one, `parley serve chat` = one service).
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV CI=true
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY packages ./packages
COPY services ./services
COPY apps ./apps
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/app/data
# @NOTE tsx is a runtime dependency: the node runs straight from its TypeScript sources.
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# @NOTE exec form: SIGTERM reaches node directly, which drains (readiness false, sockets 1012, flush) and exits.
ENTRYPOINT ["node", "apps/parley/bin/parley.js"]
CMD ["start"]
