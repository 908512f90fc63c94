// The fastmcp example in-process, driven by the official MCP SDK client through the whole OAuth
// flow. fastmcp cannot answer a 403 step-up (it does not let middleware read the JSON-RPC body):
// a tool the caller may not call is simply not in its session.
import { exampleCases } from '../../../test/support/example-cases.js';
import { start } from '../src/app.js';

exampleCases('fastmcp', () => start({ port: 0 }), 'edge');
