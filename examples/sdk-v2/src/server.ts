// `npx -y pnpm@10.34.9 --filter ./examples/sdk-v2 start` (PORT, HOST, MCP_AUTH_SECRET from the environment).
import { start } from './app.js';

const { mcpUrl } = await start();
console.log(`MCP endpoint: ${mcpUrl} (users alice, bob, carol; password demo)`);
