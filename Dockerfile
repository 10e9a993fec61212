# support-history: one image for the bot and the worker (the command chooses which).
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY adapters ./adapters
COPY jobs ./jobs
COPY bin ./bin
COPY data ./data
# The trained tagger model the worker loads at start (src/nlp/model-file.ts).
COPY models ./models
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/support-history.js"]
CMD ["start"]
