import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FullConfig } from '@playwright/test';

/**
 * Stops the server that global-setup.ts started (nothing to do for an external E2E_BASE_URL server),
 * copies its log to test-results/server.log for post-mortems, and removes the temp dir unless E2E_KEEP=1.
 */
export default async function globalTeardown(config: FullConfig): Promise<void> {
  const pid = Number(process.env.E2E_SERVER_PID);
  const tmp = process.env.E2E_TMP_DIR;
  if (!pid || !tmp) return;

  await stop(pid);

  const log = path.join(tmp, 'server.log');
  const outputDir = config.projects[0]?.outputDir;
  if (outputDir && fs.existsSync(log)) {
    try {
      fs.mkdirSync(outputDir, { recursive: true });
      fs.copyFileSync(log, path.join(outputDir, 'server.log'));
    } catch {
      /* best effort */
    }
  }

  if (process.env.E2E_KEEP === '1') {
    console.log(`[e2e] E2E_KEEP=1: kept ${tmp} (database and server.log)`);
  } else {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  delete process.env.E2E_SERVER_PID;
  delete process.env.E2E_TMP_DIR;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, up to 10 s for a graceful shutdown, then SIGKILL. */
async function stop(pid: number): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!alive(pid)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
