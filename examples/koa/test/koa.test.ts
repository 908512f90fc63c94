// The Koa example in-process, driven by the official MCP SDK client through discovery,
// registration, PKCE, the real login + consent forms and the token exchange.
import { exampleCases } from '../../../test/support/example-cases.js';
import { start } from '../src/app.js';

exampleCases('koa', () => start({ port: 0 }), 'edge');
