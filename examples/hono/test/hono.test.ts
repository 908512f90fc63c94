// The Fetch-handler example (Hono on Node) in-process, driven by the official MCP SDK client
// through the whole OAuth flow; the HTTP-edge guard answers a missing scope with a 403 step-up.
import { exampleCases } from '../../../test/support/example-cases.js';
import { start } from '../src/app.js';

exampleCases('hono', () => start({ port: 0 }), 'edge');
