/**
 * `http.toolscall.unprotected`: the tool server behind `express.json()` only (the baseline).
 * Run by bench/http.bench.ts; see bench/http/common.ts.
 */
import express from 'express';
import { benchLayout, createMcpHandler, createToolServer, MCP_PATH, serve } from './common.js';

const app = express();
app.all(
  MCP_PATH,
  express.json({ limit: '4mb' }),
  createMcpHandler({ layout: benchLayout(), createServer: createToolServer }),
);
await serve(app);
