import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { REVIEWER, STAFF_ACCOUNTS } from './fixtures/accounts';

/**
 * Starts the portal for the test run: a temp dir with a fresh SQLite database, the staff accounts
 * created through the CLI, then `portal serve` on a free loopback port, polled on `/readyz`.
 *
 * Shares with the workers (which inherit this process's environment):
 *   E2E_BASE_URL    http://127.0.0.1:<port>
 *   E2E_SERVER_LOG  <tmp>/server.log (the demo mode prints magic links there)
 * and with global-teardown.ts: E2E_SERVER_PID, E2E_TMP_DIR.
 *
 * Inputs: PORTAL_BIN (default ../target/debug/portal), LEPTOS_SITE_ROOT (default ../target/site),
 * both relative to this directory; E2E_BASE_URL already set = use that server, start nothing.
 */

const READY_TIMEOUT_MS = 60_000;
const CREATE_USER_TIMEOUT_MS = 60_000;

export default async function globalSetup(config: FullConfig): Promise<void> {
  if (process.env.E2E_BASE_URL) {
    console.log(`[e2e] using the external server at ${process.env.E2E_BASE_URL}`);
    if (!process.env.E2E_SERVER_LOG) {
      console.log('[e2e] E2E_SERVER_LOG is not set: the magic-link tests will fail (they read links from the log)');
    }
    return;
  }

  const here = config.configFile ? path.dirname(config.configFile) : process.cwd();
  const repoRoot = path.resolve(here, '..');
  const bin = path.resolve(here, process.env.PORTAL_BIN ?? '../target/debug/portal');
  const siteRoot = path.resolve(here, process.env.LEPTOS_SITE_ROOT ?? '../target/site');

  if (!fs.existsSync(bin)) {
    throw new Error(
      `[e2e] portal binary not found at ${bin}. Build it first (cargo leptos build) or point PORTAL_BIN at it.`,
    );
  }
  if (!fs.existsSync(siteRoot)) {
    throw new Error(
      `[e2e] site root not found at ${siteRoot}. Build it first (cargo leptos build) or point LEPTOS_SITE_ROOT at it.`,
    );
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-e2e-'));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const logPath = path.join(tmp, 'server.log');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `sqlite://${tmp}/portal.db?mode=rwc`,
    PORTAL_DATA_DIR: tmp,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: siteRoot,
    PORTAL_BASE_URL: baseURL,
    PORTAL_DEMO: '1',
    // No SMTP server: mails go to the development mailbox (/admin/outbox), which the mailbox spec reads.
    PORTAL_SMTP_URL: '',
    RUST_LOG: 'info',
    // Every request comes from 127.0.0.1 and the suite signs the same staff accounts in repeatedly (in
    // both projects); the production limits (60 per IP, 5 per email per 15 minutes) would refuse that.
    PORTAL_RATE_LIMIT_PER_IP: process.env.PORTAL_RATE_LIMIT_PER_IP ?? '10000',
    PORTAL_RATE_LIMIT_PER_EMAIL: process.env.PORTAL_RATE_LIMIT_PER_EMAIL ?? '1000',
    RUST_BACKTRACE: '1',
    // Plain log lines: the magic-link parser should not have to step over colour codes.
    NO_COLOR: '1',
  };

  // The demo content (help-centre articles, a few requests): the help specs read real articles.
  await runPortal(bin, repoRoot, env, ['seed-demo']);
  for (const account of [...STAFF_ACCOUNTS, REVIEWER]) {
    await runCreateUser(bin, repoRoot, env, account.email, account.role, account.password);
  }

  const logFd = fs.openSync(logPath, 'a');
  const server = spawn(bin, ['serve'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd); // the child has its own copy
  // Do not let the handle keep the runner alive; global-teardown.ts kills the server by pid.
  server.unref();

  let exited: string | undefined;
  server.on('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  let spawnError: Error | undefined;
  server.on('error', (err) => {
    spawnError = err;
  });

  try {
    await waitUntilReady(`${baseURL}/readyz`, () => spawnError?.message ?? exited, logPath);
  } catch (err) {
    if (server.exitCode === null && server.pid !== undefined) {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    console.error(`[e2e] kept ${tmp} for inspection`);
    throw err;
  }

  process.env.E2E_BASE_URL = baseURL;
  process.env.E2E_SERVER_LOG = logPath;
  process.env.E2E_SERVER_PID = String(server.pid);
  process.env.E2E_TMP_DIR = tmp;
  console.log(`[e2e] portal serving at ${baseURL} (pid ${server.pid}); log ${logPath}`);
}

/** Asks the OS for a free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      if (address === null || typeof address === 'string') {
        srv.close();
        reject(new Error('[e2e] could not determine a free port'));
        return;
      }
      const { port } = address;
      srv.close(() => resolve(port));
    });
  });
}

/** `portal create-user --email <e> --role <r> --password-stdin`, the password written to its stdin. */
function runCreateUser(
  bin: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  email: string,
  role: string,
  password: string,
): Promise<void> {
  return runPortal(bin, cwd, env, ['create-user', '--email', email, '--role', role, '--password-stdin'], password);
}

/** Runs one `portal` command to completion; `stdin` (a line) is written to it when given. */
function runPortal(bin: string, cwd: string, env: NodeJS.ProcessEnv, args: string[], stdin?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`[e2e] ${path.basename(bin)} ${args.join(' ')} timed out\n${output}`));
    }, CREATE_USER_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`[e2e] could not run ${bin}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve();
      } else {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        reject(new Error(`[e2e] ${path.basename(bin)} ${args.join(' ')} failed (${how}):\n${output}`));
      }
    });
    // A child that exits before reading stdin would raise EPIPE here; its exit status reports the problem.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin === undefined ? '' : `${stdin}\n`);
  });
}

/** Polls `url` until it answers 200; fails early when the server process has gone away. */
async function waitUntilReady(url: string, gone: () => string | undefined, logPath: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const why = gone();
    if (why !== undefined) {
      throw new Error(`[e2e] portal serve stopped before it was ready (${why}). Last lines of ${logPath}:\n${tail(logPath)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000), redirect: 'manual' });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `[e2e] ${url} did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last}). Last lines of ${logPath}:\n${tail(logPath)}`,
  );
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
