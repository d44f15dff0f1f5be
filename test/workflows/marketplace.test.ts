/**
 * What the GitHub Marketplace and a new user's first look need: action metadata within the
 * Marketplace's limits, the files a published action carries, one action name everywhere, and one
 * Node version (the action's `runs.using`) for `.node-version`, the workflows and `engines`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readActionMetadata } from '../../scripts/docs';
import { ROOT } from '../support/runner';

const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
const ACTION_NAME = 'claude-relay/claude-relay';
const WORKFLOWS_DIR = path.join(ROOT, '.github', 'workflows');
const workflows = fs
  .readdirSync(WORKFLOWS_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => ({ file: f, text: fs.readFileSync(path.join(WORKFLOWS_DIR, f), 'utf8') }));

describe('Marketplace metadata', () => {
  const meta = readActionMetadata();

  it('has a description of at most 125 characters, a real author and branding', () => {
    expect(meta.description.length).toBeGreaterThan(20);
    expect(meta.description.length).toBeLessThanOrEqual(125);
    expect(meta.author).toBeTruthy();
    expect(meta.author).not.toBe(meta.name);
    expect(meta.branding?.icon).toBeTruthy();
    expect(meta.branding?.color).toBeTruthy();
  });

  it('ships a license, a security policy and a changelog', () => {
    expect(read('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} \S/);
    const security = read('SECURITY.md');
    expect(security).toMatch(/## Reporting a vulnerability/);
    expect(security).toMatch(/Report a vulnerability/);
    expect(security).toMatch(/## Threat model/);
    expect(read('CHANGELOG.md')).toMatch(/^## \[Unreleased\]|^## \[\d+\.\d+\.\d+\]/m);
  });

  it('marks dist/ as generated', () => {
    expect(read('.gitattributes')).toMatch(/^dist\/\*\* linguist-generated(=true)? -diff$/m);
  });

  it('names one action everywhere a user copies it from', () => {
    const places = {
      'README.md': read('README.md'),
      'CHANGELOG.md': read('CHANGELOG.md'),
      ...Object.fromEntries(workflows.map((w) => [w.file, w.text])),
    };
    const named: string[] = [];
    for (const [file, text] of Object.entries(places)) {
      for (const m of text.matchAll(/([\w.<>-]+\/claude-relay)@v\d/g)) named.push(`${file}: ${m[1]}`);
    }
    expect(named.length).toBeGreaterThan(2);
    expect(named.filter((n) => !n.endsWith(`: ${ACTION_NAME}`))).toEqual([]);
    expect(read('app.yml')).toContain(`https://github.com/${ACTION_NAME}`);
  });

  it('has Dependabot for npm and GitHub Actions', () => {
    const text = read('.github/dependabot.yml');
    expect([...text.matchAll(/package-ecosystem: ([\w-]+)/g)].map((m) => m[1]).sort()).toEqual([
      'github-actions',
      'npm',
    ]);
  });

  it('has CodeQL and a release workflow that checks dist/, tags vX.Y.Z and moves vX', () => {
    const codeql = read('.github/workflows/codeql.yml');
    expect(codeql).toMatch(/github\/codeql-action\/init@v\d/);
    expect(codeql).toMatch(/github\/codeql-action\/analyze@v\d/);
    expect(codeql).toMatch(/security-events: write/);
    const release = read('.github/workflows/release.yml');
    const order = [
      'npm run build',
      'git status --porcelain dist',
      'git tag -a "v$VERSION"',
      'git tag -fa "$major"',
      'git push --force origin "$major"',
    ];
    const at = order.map((s) => release.indexOf(s));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(release).toMatch(/major="v\$\{VERSION%%\.\*\}"/);
  });
});

describe('Node version', () => {
  const using = readActionMetadata().runs.using;
  const major = Number(/^node(\d+)$/.exec(using)?.[1]);

  it('.node-version is the major the action runs on', () => {
    expect(major).toBe(24);
    expect(read('.node-version').trim()).toBe(String(major));
  });

  it('every workflow that sets up Node reads .node-version', () => {
    const setups = workflows.filter((w) => w.text.includes('actions/setup-node@'));
    expect(setups.length).toBeGreaterThan(1);
    for (const w of setups) {
      expect([w.file, /node-version: /.test(w.text)]).toEqual([w.file, false]);
      expect([w.file, /node-version-file: \.node-version/.test(w.text)]).toEqual([w.file, true]);
    }
  });

  it('uses checkout and setup-node majors that run on node24 (v5 and later)', () => {
    const refs = workflows.flatMap((w) =>
      [...w.text.matchAll(/uses: (actions\/(?:checkout|setup-node))@v(\d+)/g)].map((m) => ({
        where: `${w.file}: ${m[1]}@v${m[2]}`,
        major: Number(m[2]),
      })),
    );
    const readme = read('README.md');
    for (const m of readme.matchAll(/uses: (actions\/(?:checkout|setup-node))@v(\d+)/g))
      refs.push({ where: `README.md: ${m[1]}@v${m[2]}`, major: Number(m[2]) });
    expect(refs.length).toBeGreaterThan(4);
    expect(refs.filter((r) => r.major < 5).map((r) => r.where)).toEqual([]);
  });

  it('engines admit that Node and no older than the strictest production dependency needs', () => {
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { engines?: { node?: string }; dev?: boolean }>;
    };
    const floor = /^>=\s*(\d+)$/.exec(pkg.engines.node)?.[1];
    expect(Number(floor)).toBeLessThanOrEqual(major);
    // The highest plain `>=N` floor among runtime dependencies (e.g. content-type, @azure/*).
    let needed = 0;
    for (const info of Object.values(lock.packages)) {
      const m = /^>=\s*(\d+)/.exec(info.engines?.node ?? '');
      if (!info.dev && m) needed = Math.max(needed, Number(m[1]));
    }
    expect(needed).toBeGreaterThan(0);
    expect(Number(floor)).toBeGreaterThanOrEqual(needed);
  });
});
