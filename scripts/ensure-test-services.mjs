#!/usr/bin/env node
// Makes sure what the test suite talks to is present before `vitest run`:
// a Redis server on 127.0.0.1:6379 and Debian's Chromium for the browser tests.
// Installs them with apt-get when missing and running as root; otherwise explains what to do.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
let aptUpdated = false;

function aptInstall(packages) {
  if (!isRoot || !has('apt-get')) {
    console.error(
      `[ensure] missing: ${packages.join(', ')}. Install them (e.g. sudo apt-get install -y ${packages.join(' ')}) and rerun.`,
    );
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    console.log('[ensure] apt-get update');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  console.log(`[ensure] apt-get install -y ${packages.join(' ')}`);
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env,
  });
}

function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function ensureRedis() {
  if (!has('redis-server')) aptInstall(['redis-server']);
  if (await portOpen(6379)) return;
  console.log('[ensure] starting redis-server on 127.0.0.1:6379');
  execFileSync(
    'redis-server',
    [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '--port',
      '6379',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'inherit' },
  );
  for (let i = 0; i < 50; i++) {
    if (await portOpen(6379)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error('[ensure] redis-server did not start on port 6379');
  process.exit(1);
}

function ensureChromium() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return;
  aptInstall(['chromium']);
}

await ensureRedis();
ensureChromium();
console.log('[ensure] redis and chromium are ready');
