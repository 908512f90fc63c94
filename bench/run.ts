/**
 * `pnpm bench [--json] [--filter REGEX]`: runs every `bench/*.bench.ts` module in name order.
 * With `--json`, prints one JSON array of `{ name, median_us, baseline, ratio }` on stdout.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Bench, type BenchModule } from './harness.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const filterIndex = args.indexOf('--filter');
const filter = filterIndex >= 0 ? args[filterIndex + 1] : undefined;
const only = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--filter');

const dir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const bench = new Bench(filter);
for (const file of files) {
  const mod = (await import(pathToFileURL(`${dir}/${file}`).href)) as { default: BenchModule };
  if (!json) console.error(`# ${file}`);
  const before = bench.results.length;
  await mod.default(bench);
  if (!json) {
    for (const r of bench.results.slice(before)) {
      const ratio = r.ratio === null ? '' : `  ratio ${r.ratio} vs ${r.baseline}`;
      const target = r.target ? `  (target ${String(r.target)})` : '';
      console.error(`${r.name.padEnd(40)} ${String(r.median_us).padStart(12)} µs${ratio}${target}`);
    }
  }
}
if (json) process.stdout.write(`${JSON.stringify(bench.results, null, 2)}\n`);
