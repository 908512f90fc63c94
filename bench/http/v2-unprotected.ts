/**
 * `http.toolscall.v2.unprotected`: the MCP SDK v2 tool server (`createMcpHandler` +
 * `toNodeHandler`) behind `express.json()` only: the baseline of the v2 variants.
 * Run by bench/http.bench.ts; see bench/http/common-v2.ts.
 */
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import express from 'express';
import { MCP_PATH, serve } from './common.js';
import { createV2ToolServer } from './common-v2.js';

const nodeHandler = toNodeHandler(createMcpHandler(createV2ToolServer));
const app = express();
app.all(MCP_PATH, express.json({ limit: '4mb' }), (req, res, next) => {
  nodeHandler(req, res, req.body).catch(next);
});
await serve(app);
