# Parley node image: every service in one image; the command picks what it runs
# (`parley start` = all-in-one, `parley serve chat` = one service).
#
# Three stages, so that the image keeps only what runs:
#   build  - every dependency (dev ones too), builds the web app with Vite;
#   deps   - production dependencies only (`npm ci --omit=dev`): no Vite, TypeScript, React
#            (bundled into apps/web/dist), redoc (one file of it is copied below), test tools;
#   final  - those node_modules, the TypeScript sources tsx runs, and the built web app.
# Measured without Docker (this repo, Node 20, npm ci in a copy of the manifests): the production
# install is 178 packages / 143 MB against 291 / 228 MB before the manifests were fixed and
# 480 / 447 MB for the full dev install. The final stage's /app, assembled by hand the same way,
# is 148 MB and serves /health, /api/redoc/, /api/docs/ and / with NODE_ENV=production.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
# @NOTE Only the package manifests and the lock: the `npm ci` layers below are reused until one of
# these changes, whatever source file changed.
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/platform/package.json packages/platform/
COPY services/auth/package.json services/auth/
COPY services/chat/package.json services/chat/
COPY services/contacts/package.json services/contacts/
COPY services/gateway/package.json services/gateway/
COPY services/profile/package.json services/profile/
COPY apps/parley/package.json apps/parley/
COPY apps/web/package.json apps/web/

FROM manifests AS build
ENV CI=true
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json ./
COPY packages ./packages
COPY services ./services
COPY apps ./apps
RUN npm run build

FROM manifests AS deps
ENV CI=true
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/app/data
# @NOTE tsx is a runtime dependency: the node runs straight from its TypeScript sources.
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json tsconfig.json tsconfig.base.json ./
COPY --chown=node:node packages ./packages
COPY --chown=node:node services ./services
COPY --chown=node:node apps/parley ./apps/parley
# @NOTE No apps/web sources or manifest here, so `parley start` serves this build as is.
COPY --from=build --chown=node:node /app/apps/web/dist ./apps/web/dist
# The API reference page (/api/redoc/) needs this one self-contained file, not redoc's ~100 packages.
COPY --from=build --chown=node:node /app/node_modules/redoc/bundles/redoc.standalone.js ./node_modules/redoc/bundles/
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
# @NOTE Reads PORT at check time, so `-e PORT=9000` is checked on 9000.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 8080}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# @NOTE exec form: SIGTERM reaches node directly, which drains (readiness false, sockets 1012, flush) and exits.
ENTRYPOINT ["node", "apps/parley/bin/parley.js"]
CMD ["start"]
