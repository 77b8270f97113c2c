# The selfheal worker. Temporal and PostgreSQL come from TEMPORAL_ADDRESS and DATABASE_URL.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
CMD ["node", "node_modules/tsx/dist/cli.mjs", "src/main.ts"]
