# The production selfheal worker (`selfheal worker`): Temporal and PostgreSQL come from the
# standard Temporal settings and DATABASE_URL; it creates no demo tables.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
CMD ["node", "node_modules/tsx/dist/cli.mjs", "src/cli/main.ts", "worker"]
