// The demo's entry point: `npx -y pnpm@10.34.9 demo` (root; or `pnpm demo`) = `… --filter ./examples/demo start`.
import { startDemo } from './app.js';
import { formatBanner } from './banner.js';
import { DemoConfigError } from './env.js';

try {
  const demo = await startDemo();
  console.log(formatBanner(demo));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  if (error instanceof DemoConfigError) {
    console.error(error.message);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `Port ${process.env['PORT'] ?? 3000} is in use: set PORT to another port (PORT=0 picks a free one).`,
    );
  } else {
    console.error('The demo could not start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
}
