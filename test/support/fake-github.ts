/**
 * A stateful loopback fake of the GitHub REST API for e2e tests (the action's Octokit, the
 * companion's Probot). Point `GITHUB_API_URL` at `fake.url` (or `${fake.url}/api/v3` for GHES).
 *
 *   const gh = await startFakeGitHub();
 *   gh.state.addPullRequest({ title: 'Fix', user: 'alice', head: { ref: 'fix', sha }, base: { ref: 'main', sha: base } });
 *   gh.state.setPermission('octo-org/octo-repo', 'alice', 'write');
 *   gh.failNext('POST', /\/issues\/\d+\/comments$/, 1, { status: 502 });
 *   …
 *   expect(gh.requestsTo('POST', /\/comments$/)).toHaveLength(2);
 *   expect(gh.unmatched()).toEqual([]);
 *
 * Implementation in `fake-github/`: `state.ts` (records and seeding helpers), `shapes.ts` (GitHub
 * JSON), `routes-*.ts` (the routing tables), `server.ts` (HTTP, auth, faults, recording).
 *
 * `fake-github/index.ts` holds the same exports so that both module resolutions of
 * `./fake-github` (this file for TypeScript/jest, the directory for tsx) agree.
 */
export * from './fake-github/index';
