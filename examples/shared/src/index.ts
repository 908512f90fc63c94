/**
 * `@mcp-auth-examples/shared`: what every mcp-auth example has in common, so that each
 * example's `src/app.ts` holds only what is specific to its framework. Runtime-free (Web
 * APIs only); the Node listener and environment settings are in `@mcp-auth-examples/shared/node`.
 * @packageDocumentation
 */
export {
  createExampleAuthorizationServer,
  type ExampleAuthorizationServerOptions,
} from './authorization-server.js';
export { createExamplePolicy } from './policy.js';
export { EXAMPLE_TOOLS, type ExampleTool, registerExampleTools } from './tools.js';
