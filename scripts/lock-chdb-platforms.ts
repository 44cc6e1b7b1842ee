// Run after `npm install` changes package-lock.json:  node scripts/lock-chdb-platforms.ts
//
// chdb ships its engine as optional per-platform packages (@chdb/lib-<os>-<cpu>[-gnu]). The
// registry this project installs from serves only some of them; npm then leaves the others
// out of package-lock.json, and `npm ci` refuses the lock file as out of sync (npm/cli#9846).
// An entry with the package's os/cpu (and no tarball) is what npm writes for a platform
// package it skips: `npm ci` accepts the lock and skips the package on other platforms.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = 'package-lock.json';
type Entry = Record<string, unknown> & { optionalDependencies?: Record<string, string> };
const lock = JSON.parse(readFileSync(LOCK, 'utf8')) as { packages: Record<string, Entry> };
const chdb = lock.packages['node_modules/chdb'];
if (chdb === undefined) throw new Error('chdb is not in package-lock.json');

let added = 0;
for (const [name, version] of Object.entries(chdb.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key] !== undefined) continue;
  const match = /^@chdb\/lib-(linux|darwin)-(x64|arm64)(-gnu)?$/.exec(name);
  if (match === null) throw new Error(`unexpected chdb platform package ${name}`);
  const [, os, cpu, gnu] = match;
  lock.packages[key] = {
    version,
    cpu: [cpu],
    ...(gnu === undefined ? {} : { libc: ['glibc'] }),
    license: 'Apache-2.0',
    optional: true,
    os: [os],
  };
  added++;
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} chdb platform entries to ${LOCK}`);
