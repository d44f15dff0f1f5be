import { parseEvent } from '../../src/event';
import { isSkip, type RelayRequest } from '../../src/request/types';
import { issueEvent, payload, prEvent } from '../support/payloads';

const base = { triggerPhrase: '/claude', repository: 'octo-org/octo-repo', runnerActor: 'octocat' };

describe('automation events', () => {
  it('a schedule with a prompt runs in the repository as GITHUB_ACTOR', () => {
    const r = parseEvent(
      'schedule',
      { schedule: '0 6 * * 1' },
      { ...base, explicitPrompt: 'audit' },
    ) as RelayRequest;
    expect(isSkip(r)).toBe(false);
    expect(r).toMatchObject({
      owner: 'octo-org',
      repo: 'octo-repo',
      target: { kind: 'repository', number: 0 },
      actor: { login: 'octocat', type: 'User' },
      trigger: 'prompt',
      command: { name: 'ask', text: 'audit' },
    });
    expect(r.automation?.untrusted).toEqual([{ label: 'schedule', text: '0 6 * * 1' }]);
  });
  it('without a prompt, or without a repository, it is skipped', () => {
    expect(parseEvent('schedule', {}, base)).toEqual({
      skip: true,
      reason: 'claude-relay does not handle "schedule" events',
    });
    expect(isSkip(parseEvent('schedule', {}, { triggerPhrase: '/claude', explicitPrompt: 'x' }))).toBe(true);
  });
  it('a push by a bot keeps the bot as the actor (the gate refuses it)', () => {
    const r = parseEvent(
      'push',
      payload('push', undefined, { sender: { login: 'dependabot[bot]', type: 'Bot' } }),
      { ...base, explicitPrompt: 'x' },
    ) as RelayRequest;
    expect(r.actor).toMatchObject({ login: 'dependabot[bot]', type: 'Bot' });
  });
});

describe('drafts and trigger inputs', () => {
  const draft = prEvent('opened', { pull_request: { draft: true } });
  it('a draft PR is skipped unless review_drafts or ready_for_review', () => {
    expect(parseEvent('pull_request', draft, base)).toMatchObject({ skip: true });
    expect(isSkip(parseEvent('pull_request', draft, { ...base, reviewDrafts: true }))).toBe(false);
    const ready = prEvent('ready_for_review', { pull_request: { draft: false } });
    expect(isSkip(parseEvent('pull_request', ready, base))).toBe(false);
    // An explicit prompt is the workflow's decision.
    expect(isSkip(parseEvent('pull_request', draft, { ...base, explicitPrompt: 'x' }))).toBe(false);
  });
  it('label_trigger replaces the phrase word; assignee_trigger replaces the default names', () => {
    const labeled = (name: string) => issueEvent('labeled', { label: { name } });
    expect(isSkip(parseEvent('issues', labeled('claude'), { ...base, labelTrigger: 'needs-ai' }))).toBe(true);
    expect(isSkip(parseEvent('issues', labeled('Needs-AI'), { ...base, labelTrigger: 'needs-ai' }))).toBe(
      false,
    );
    const assigned = (login: string) => issueEvent('assigned', { assignee: { login } });
    expect(isSkip(parseEvent('issues', assigned('claude'), { ...base, assigneeTriggers: ['bot-a'] }))).toBe(
      true,
    );
    expect(isSkip(parseEvent('issues', assigned('Bot-A'), { ...base, assigneeTriggers: ['bot-a'] }))).toBe(
      false,
    );
    expect(isSkip(parseEvent('issues', assigned('claude'), base))).toBe(false);
  });
});
