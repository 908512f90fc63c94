// `pnpm --filter ./examples/multi-service start`: the authorization server on AS_PORT (3000),
// the notes service on NOTES_PORT (3001), the tasks service on TASKS_PORT (3002), sharing the
// Redis at MCP_AUTH_REDIS_URL (default redis://127.0.0.1:6379).
import { env } from './env.js';
import { launch } from './launch.js';

const settings = env();
const running = launch({
  asPort: settings.port,
  notesPort: Number(new URL(settings.services['notes']!).port),
  tasksPort: Number(new URL(settings.services['tasks']!).port),
});
try {
  await running.ready();
} catch (error) {
  await running.stop();
  throw error;
}
console.log(
  `MCP endpoints: ${running.notesUrl}/mcp and ${running.tasksUrl}/mcp (alice, bob, carol; password demo)`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void running.stop().then(() => process.exit(0)));
}
