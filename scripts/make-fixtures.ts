/**
 * Writes one sample payload per supported event to `test/fixtures/events/`, for `act -e`
 * and `npm run local -- --event`. Every payload is a real example from `@octokit/webhooks-examples`
 * (through `test/support/payloads.ts`), normalised to one story: repository `octo-org/octo-repo`,
 * pull request #2, issue #1, sender `octocat`.
 *
 *   npx tsx scripts/make-fixtures.ts                       # regenerate the committed fixtures
 *   npx tsx scripts/make-fixtures.ts --repo you/repo --pr 5 --issue 7 --sender you --out /tmp/ev
 *                                                           # the same payloads for your own repo (act with real APIs)
 *   npx tsx scripts/make-fixtures.ts --check                # exit 1 when the committed files are stale
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  deepMerge,
  issueComment,
  issueEvent,
  prEvent,
  repositoryDispatch,
  review,
  reviewComment,
  workflowDispatch,
  type Payload,
} from '../test/support/payloads';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES_DIR = path.join(ROOT, 'test', 'fixtures', 'events');

export interface FixtureOptions {
  repo: string;
  pr: number;
  issue: number;
  sender: string;
}

export const DEFAULTS: FixtureOptions = { repo: 'octo-org/octo-repo', pr: 2, issue: 1, sender: 'octocat' };

/** The question the comment fixtures ask, and the follow-up the dispatch fixtures carry. */
export const QUESTION = 'what does this change do?';

const user = (login: string) => ({
  login,
  id: login === 'octocat' ? 583231 : 1000001,
  node_id: 'MDQ6VXNlcjU4MzIzMQ==',
  avatar_url: `https://avatars.githubusercontent.com/u/583231?v=4`,
  html_url: `https://github.com/${login}`,
  type: 'User',
  site_admin: false,
});

/** Points every repository URL and name of `p` at `repo` (the examples' repo is already `octo-org/octo-repo`). */
function retarget(p: Payload, repo: string): Payload {
  if (repo === DEFAULTS.repo) return p;
  const text = JSON.stringify(p)
    .replaceAll(`/${DEFAULTS.repo}/`, `/${repo}/`)
    .replaceAll(`/${DEFAULTS.repo}"`, `/${repo}"`)
    .replaceAll(`"${DEFAULTS.repo}"`, `"${repo}"`);
  const out = JSON.parse(text) as Payload;
  const [owner, name] = repo.split('/') as [string, string];
  const rename = (r: unknown) => {
    if (!r || typeof r !== 'object') return;
    const o = r as Record<string, unknown>;
    if (o.full_name !== repo) return;
    o.name = name;
    if (o.owner && typeof o.owner === 'object') (o.owner as Record<string, unknown>).login = owner;
  };
  rename(out.repository);
  const pr = out.pull_request as Record<string, Record<string, unknown>> | undefined;
  if (pr) for (const side of ['head', 'base']) rename(pr[side]?.repo);
  if (out.organization && typeof out.organization === 'object')
    (out.organization as Record<string, unknown>).login = owner;
  return out;
}

/** The repository of the webhook examples; payloads.ts renames its names but not its URLs. */
const EXAMPLE_REPO = 'Codertocat/Hello-World';

/** One cast: the examples' URLs point at the repository and their user (`Codertocat`) is `sender`. */
function asSender(p: Payload, sender: string): Payload {
  const text = JSON.stringify(p)
    .replaceAll(EXAMPLE_REPO, DEFAULTS.repo)
    .replaceAll(EXAMPLE_REPO.toLowerCase(), DEFAULTS.repo)
    .replaceAll('Codertocat', sender);
  return JSON.parse(text) as Payload;
}

function prUrls(repo: string, n: number) {
  return {
    url: `https://api.github.com/repos/${repo}/pulls/${n}`,
    html_url: `https://github.com/${repo}/pull/${n}`,
    diff_url: `https://github.com/${repo}/pull/${n}.diff`,
    patch_url: `https://github.com/${repo}/pull/${n}.patch`,
  };
}

/** The PR's head side moved to `<sender>/<name>`, a fork of the repository. */
function forkHead(pr: Payload, sender: string): Record<string, unknown> {
  const head = (pr.pull_request as { head: { ref: string; repo: Record<string, unknown> } }).head;
  const name = String(head.repo.name);
  const fork = `${sender}/${name}`;
  const retargeted = JSON.parse(
    JSON.stringify(head.repo)
      .replaceAll(`/${String(head.repo.full_name)}`, `/${fork}`)
      .replaceAll(`/${EXAMPLE_REPO}`, `/${fork}`),
  ) as Record<string, unknown>;
  return {
    label: `${sender}:${head.ref}`,
    repo: {
      ...retargeted,
      id: Number(head.repo.id) + 1,
      full_name: fork,
      fork: true,
      owner: { ...(head.repo.owner as object), login: sender, type: 'User' },
    },
  };
}

/** `file name → payload` for every supported event. */
export function makeFixtures(o: FixtureOptions = DEFAULTS): Record<string, Payload> {
  const { repo, pr, issue, sender } = o;
  const who = { sender: user(sender) };
  const prPatch = { number: pr, pull_request: { number: pr, ...prUrls(repo, pr) }, ...who };
  const opened = prEvent('opened', prPatch);
  const head = (opened.pull_request as { head: { sha: string } }).head.sha;
  const issuePatch = (extra: Record<string, unknown>) =>
    deepMerge({ issue: { number: issue, user: user(sender) }, ...who }, extra);
  const comment = issueComment(
    `/claude ${QUESTION}`,
    {
      issue: {
        number: pr,
        title: (opened.pull_request as { title: string }).title,
        pull_request: prUrls(repo, pr),
      },
      comment: { user: user(sender) },
      ...who,
    },
    { onPullRequest: true },
  );
  // The companion's follow-up for the comment above, exactly as it dispatches it.
  const inputs = {
    command: QUESTION,
    pr_number: String(pr),
    issue_number: '',
    comment_id: String((comment.comment as { id: number }).id),
    head_sha: head,
    requested_by: sender,
  };

  const all: Record<string, Payload> = {
    'pull_request.opened.json': opened,
    // pull_request_target is for PRs from forks (the example workflow runs same-repo PRs on pull_request).
    'pull_request_target.opened.json': prEvent(
      'opened',
      deepMerge(structuredClone(prPatch), { pull_request: { head: forkHead(opened, sender) } }),
      'pull_request_target',
    ),
    'issues.opened.json': issueEvent(
      'opened',
      issuePatch({
        issue: {
          title: 'Spelling error in the README file',
          body: 'The README says "recieve".\n\n/claude fix the spelling mistakes in README.md',
        },
      }),
    ),
    'issues.labeled.json': issueEvent(
      'labeled',
      issuePatch({ label: { name: 'claude', color: 'd97757', description: 'Ask Claude to work on this' } }),
    ),
    'issues.assigned.json': issueEvent('assigned', issuePatch({ assignee: user('claude') })),
    'issue_comment.created.json': comment,
    'pull_request_review_comment.created.json': reviewComment('/claude why is this line needed?', {
      pull_request: { number: pr, ...prUrls(repo, pr) },
      comment: { user: user(sender), pull_request_url: prUrls(repo, pr).url },
      ...who,
    }),
    'pull_request_review.submitted.json': review('/claude review focus on error handling', {
      pull_request: { number: pr, ...prUrls(repo, pr) },
      review: { user: user(sender), state: 'commented' },
      ...who,
    }),
    'workflow_dispatch.json': workflowDispatch(inputs, {
      workflow: '.github/workflows/claude.yml',
      ref: 'refs/heads/main',
      ...who,
    }),
    'repository_dispatch.json': repositoryDispatch(inputs, { action: 'claude', branch: 'main', ...who }),
  };
  for (const [name, p] of Object.entries(all)) all[name] = retarget(asSender(p, sender), repo);
  return all;
}

/** The event name a fixture is for: the file name up to the first dot. */
export function eventNameOf(file: string): string {
  return path.basename(file).split('.')[0] ?? '';
}

export function serialize(p: Payload): string {
  return `${JSON.stringify(p, null, 2)}\n`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string', default: DEFAULTS.repo },
      pr: { type: 'string', default: String(DEFAULTS.pr) },
      issue: { type: 'string', default: String(DEFAULTS.issue) },
      sender: { type: 'string', default: DEFAULTS.sender },
      out: { type: 'string', default: FIXTURES_DIR },
      check: { type: 'boolean', default: false },
    },
  });
  if (!/^[\w.-]+\/[\w.-]+$/.test(values.repo))
    throw new Error(`--repo must be owner/name, got ${values.repo}`);
  const fixtures = makeFixtures({
    repo: values.repo,
    pr: Number(values.pr),
    issue: Number(values.issue),
    sender: values.sender,
  });
  const out = path.resolve(values.out);
  let stale = 0;
  if (!values.check) fs.mkdirSync(out, { recursive: true });
  for (const [name, p] of Object.entries(fixtures)) {
    const file = path.join(out, name);
    const text = serialize(p);
    if (values.check) {
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      if (current !== text) {
        stale++;
        process.stderr.write(`stale: ${path.relative(process.cwd(), file)}\n`);
      }
    } else {
      fs.writeFileSync(file, text);
      process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
    }
  }
  if (stale) {
    process.stderr.write(`${stale} fixture(s) are stale: run npx tsx scripts/make-fixtures.ts\n`);
    process.exit(1);
  }
  if (values.check) process.stdout.write(`${Object.keys(fixtures).length} fixtures are up to date\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
