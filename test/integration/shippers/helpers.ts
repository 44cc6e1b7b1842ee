// Real shipper clients (Debian's rsyslogd and kcat, util-linux's logger) run as processes
// against the service, with the configuration snippets the docs show: each snippet is a file
// in docs/snippets/ that the docs quote verbatim (checked here), and the tests fill in only
// the addresses, topic and org.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { accessSync, constants, globSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ROOT } from '../../helpers/process.ts';

const execFileAsync = promisify(execFile);

/** The path of a client binary; throws naming the Debian package when it is not installed. */
export function requireBinary(file: string, debianPackage: string): string {
  try {
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    throw new Error(
      `${file} is not installed: these tests run the real client. Install the Debian package ` +
        `${debianPackage} (DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ` +
        `${debianPackage}), as .ci/run does.`,
    );
  }
}

/** A command on the PATH (kcat), with the same message when missing. */
export function requireCommand(name: string, debianPackage: string): string {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return requireBinary(`${name} (on the PATH)`, debianPackage);
}

/** An rsyslog loadable module (omkafka), else the same message naming its package. */
export function requireRsyslogModule(name: string, debianPackage: string): void {
  if (globSync(`/usr/lib/*/rsyslog/${name}.so`).length === 0) {
    requireBinary(`/usr/lib/<arch>/rsyslog/${name}.so`, debianPackage);
  }
}

/** The text of docs/snippets/<name>, after checking that `shownIn` (README.md, docs/…) quotes it whole. */
export function snippet(name: string, shownIn: string): string {
  const text = readFileSync(path.join(ROOT, 'docs/snippets', name), 'utf8');
  const doc = readFileSync(path.join(ROOT, shownIn), 'utf8');
  assert.ok(
    doc.includes('\n' + text + '```\n'),
    `${shownIn} must show docs/snippets/${name} verbatim in a code block (the tests run that file)`,
  );
  return text;
}

/** The snippet with each `from` (which must be in it, so a changed snippet fails loudly) replaced. */
export function fill(text: string, replacements: ReadonlyArray<readonly [string, string]>): string {
  let out = text;
  for (const [from, to] of replacements) {
    assert.ok(out.includes(from), `the snippet no longer has ${from}:\n${text}`);
    out = out.split(from).join(to);
  }
  return out;
}

/** A loopback port free for both TCP and UDP (the syslog input listens on both). */
export async function freeTcpUdpPort(): Promise<number> {
  for (;;) {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const udp = dgram.createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (free) return port;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface Rsyslog {
  dir: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * rsyslogd in the foreground on a configuration of its own (no system socket, no /etc/rsyslog.conf),
 * its work directory and pid file in a temporary folder. `conf` gets that folder; `inputPort` is the
 * imtcp port the configuration listens on, awaited before this resolves.
 */
export async function startRsyslog(conf: (dir: string) => string, inputPort: number): Promise<Rsyslog> {
  const rsyslogd = requireBinary('/usr/sbin/rsyslogd', 'rsyslog');
  const dir = await mkdtemp(path.join(tmpdir(), 'log-ingest-rsyslog-'));
  const confFile = path.join(dir, 'rsyslog.conf');
  await writeFile(confFile, conf(dir));
  const child = spawn(rsyslogd, ['-n', '-f', confFile, '-i', path.join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(inputPort))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`rsyslogd did not start listening on ${inputPort}:\n${output}`);
    }
    await sleep(50);
  }
  return { dir, output: () => output, stop };
}

/** Runs a client command; resolves with its output, rejects with it on a non-zero exit. */
export async function run(
  file: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  if (options.input === undefined) {
    const { stdout } = await execFileAsync(file, args, { timeout: options.timeoutMs ?? 20_000 });
    return stdout;
  }
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  child.stdin.end(options.input);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${String(code)}:\n${out}`);
  return out;
}
