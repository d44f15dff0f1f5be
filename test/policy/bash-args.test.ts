/** Argument-safe prefixes: an allowed prefix is not widened by its options or by wrappers. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { judgeBash } from '../../src/policy/bash';

const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'relay-args-')));
fs.writeFileSync(path.join(ws, 'Makefile'), 'all:\n\ttrue\n');
const ALLOWED = [
  'npm test',
  'npm run lint',
  'pnpm test',
  'yarn test',
  'git diff',
  'git log',
  'git status',
  'git ls-files',
  'git grep',
  'make',
  'npx prettier',
  'npx',
  'yarn dlx',
  'node scripts/check.js',
];

const refused: [string, string, RegExp][] = [
  [
    "npm test --node-options='--import=data:text/javascript,console.log(1)'",
    'bash:argument',
    /npm --node-options/,
  ],
  ['npm test --node-options --require=/tmp/x.js', 'bash:argument', /npm --node-options/],
  ['npm run lint --prefix /tmp/evil', 'bash:argument', /npm --prefix/],
  ['npm test --script-shell=/tmp/sh', 'bash:argument', /npm --script-shell/],
  ['npm test --userconfig /tmp/npmrc', 'bash:argument', /npm --userconfig/],
  ['pnpm test -C /tmp/other', 'bash:argument', /pnpm -C/],
  ['yarn test --cwd /tmp/other', 'bash:argument', /yarn --cwd/],
  ['npx cowsay', 'bash:argument', /`npx` runs any package/],
  ['yarn dlx cowsay', 'bash:argument', /`yarn dlx` runs any package/],
  ['npx prettier --package evil', 'bash:argument', /npx --package/],
  ['git -c core.pager=sh diff', 'bash:not-allowed', /not an allowed command/],
  ['git diff --no-index /etc/passwd README.md', 'bash:argument', /--no-index/],
  ['git log --output=.git/hooks/pre-push', 'bash:argument', /--output/],
  ['git diff --ext-diff', 'bash:argument', /--ext-diff/],
  ['git grep -Ocat x', 'bash:argument', /git grep -O/],
  ['git log --exec-path=/tmp', 'bash:argument', /--exec-path/],
  ['git status --git-dir=/tmp/x', 'bash:argument', /--git-dir/],
  ['make --eval=x', 'bash:argument', /make --eval/],
  ['make -f /tmp/evil.mk', 'bash:argument', /make -f/],
  ['make -C ../..', 'bash:argument', /make -C/],
  ['git diff HEAD -- /etc/shadow', 'bash:path', /outside the workspace/],
  ['npm test -- ../../outside.js', 'bash:path', /outside the workspace/],
  ['timeout 5 npm test --node-options=x', 'bash:argument', /--node-options/],
  ['env -i npm test --prefix=/x', 'bash:argument', /--prefix/],
  ['nice -n 5 curl x', 'bash:not-allowed', /curl/],
  ['env FOO=1 npm test', 'bash:assignment', /sets environment variables/],
  ['env -S "npm test"', 'bash:wrapper', /env -S/],
  ['xargs -a /etc/passwd npm test', 'bash:wrapper', /xargs -a/],
  ['timeout npm test', 'bash:wrapper', /duration/],
  ['env', 'bash:wrapper', /without a command/],
];

it.each(refused)('refuses %s', async (command, rule, reason) => {
  const v = await judgeBash(command, ALLOWED, ws);
  expect(v).toMatchObject({ allowed: false, rule });
  expect(v.allowed === false && v.reason).toMatch(reason);
});

const allowed = [
  'npm test',
  'npm test -- --watch=false src/app.test.ts',
  'npm run lint -- --fix',
  'git diff HEAD~1 -- src/app.ts',
  'git log --oneline -5 origin/main',
  'git grep -n answer',
  'make',
  'make -f Makefile all',
  'npx prettier --check .',
  'timeout 60 npm test',
  'timeout -k 5 60s npm test',
  'nice -n 10 npm test',
  'nohup npm test',
  'env -i npm test',
  'git ls-files | xargs -0 npx prettier --check',
  'npm test > /dev/null 2>&1',
  'git diff https://example.com/x',
];

it.each(allowed)('allows %s', async (command) => {
  expect(await judgeBash(command, ALLOWED, ws)).toEqual({ allowed: true });
});
