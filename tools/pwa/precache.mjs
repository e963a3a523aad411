// Trunk post-build hook. Strips comments and indentation from the two
// hand-written scripts (trunk's minifier does not touch copied files), then
// turns the service worker template (public/sw.js, copied into the staging
// folder) into this build's worker, with the list of app-shell files to
// precache and a build id derived from their contents, so any change to any
// shell file makes a new worker and a new cache.
//
// Reads TRUNK_STAGING_DIR (set by trunk for hooks); node standard library only.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('precache.mjs: TRUNK_STAGING_DIR is not set; run it as a trunk post_build hook');
  process.exit(1);
}
const worker = join(staging, 'sw.js');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : [path];
  });
}

// Drops whole-line comments, blank lines and indentation only: the scripts are
// ours and have no multi-line strings or comment markers inside strings, so
// nothing else needs a parser.
function strip(path) {
  const lines = readFileSync(path, 'utf8').split('\n');
  const kept = lines.filter((line) => !/^\s*(\/\/|\/\*\*.*\*\/\s*$|$)/.test(line));
  writeFileSync(path, kept.map((line) => line.trimStart()).join('\n') + '\n');
}
for (const script of ['sw.js', 'pwa.js']) strip(join(staging, script));

// Everything trunk staged except the worker itself; sorted, so the id is stable.
const shell = files(staging)
  .filter((path) => path !== worker)
  .map((path) => '/' + relative(staging, path).split(sep).join('/'))
  .sort();

const hash = createHash('sha256');
for (const url of shell) {
  hash.update(url).update('\0').update(readFileSync(join(staging, url))).update('\0');
}
const template = readFileSync(worker, 'utf8');
hash.update(template);
const build = hash.digest('hex').slice(0, 16);

if (!template.includes('__HEARTH_BUILD__') || !template.includes("['__HEARTH_SHELL__']")) {
  console.error('precache.mjs: sw.js has no placeholders; was it already processed?');
  process.exit(1);
}
const output = template
  .replace('__HEARTH_BUILD__', build)
  .replace("['__HEARTH_SHELL__']", JSON.stringify(shell));
writeFileSync(worker, output);
console.log(`precache.mjs: sw.js for build ${build}, ${shell.length} shell files`);
