# credential-broker container image.
#   docker build -t credential-broker .
#   docker run -v ./broker.yaml:/etc/credential-broker/config.yaml:ro -p 8443:8443 credential-broker
# The config (README "Configuration reference") and the files it names (TLS certificate
# and key, role_id / secret_id files) are mounted at run time; nothing secret is baked in.

# ---- build: compile TypeScript, then keep only the runtime dependencies ---------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the "prepare" script would build before the sources are copied.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# ---- runtime ------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Policies for `vault bootstrap`, endpoint scripts for `fixlet generate`.
COPY vault-policies ./vault-policies
COPY src/bigfix/scripts ./src/bigfix/scripts
RUN ln -s /app/dist/cli/main.js /usr/local/bin/credential-broker \
 && mkdir -p /etc/credential-broker
# The unprivileged user of the node image (uid 1000); the broker needs no root.
USER node
EXPOSE 8443
# SIGTERM from `docker stop` stops it gracefully (requests in flight finish, tokens revoked).
STOPSIGNAL SIGTERM
ENTRYPOINT ["credential-broker"]
CMD ["serve", "--config", "/etc/credential-broker/config.yaml"]
