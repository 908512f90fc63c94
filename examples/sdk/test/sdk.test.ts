// The SDK example (the SDK's own Express app and requireBearerAuth, @mcp-auth/sdk policies)
// in-process, driven by the official MCP SDK client through the whole OAuth flow. Without an
// HTTP-edge guard, a missing scope is answered inside MCP with core's denied result.
import { exampleCases } from '../../../test/support/example-cases.js';
import { start } from '../src/app.js';

exampleCases('sdk', () => start({ port: 0 }), 'in-mcp');
