import { parseEvent } from '../../src/event';
import { isSkip, type RelayRequest } from '../../src/request/types';
import { FULL_NAME, prEvent, prOpened, sender } from '../support/payloads';

const opts = { triggerPhrase: '/claude' };

function request(
  eventName: string,
  payload: unknown,
  o: Parameters<typeof parseEvent>[2] = opts,
): RelayRequest {
  const r = parseEvent(eventName, payload, o);
  if (isSkip(r)) throw new Error(`unexpected skip: ${r.reason}`);
  return r;
}

describe.each(['pull_request', 'pull_request_target'])('%s', (eventName) => {
  it.each(['opened', 'synchronize', 'reopened', 'ready_for_review'])('%s → review', (action) => {
    const r = request(eventName, prEvent(action, {}, eventName));
    expect(r).toMatchObject({
      eventName,
      action,
      owner: 'octo-org',
      repo: 'octo-repo',
      trigger: 'event',
      command: { name: 'review', text: '' },
      target: { kind: 'pull_request', number: 2, title: 'Update the README with new information.' },
      actor: { login: 'Codertocat', type: 'User' },
      isPullRequestTarget: eventName === 'pull_request_target',
    });
    expect(r.pr).toMatchObject({ number: 2, headRepo: FULL_NAME, isFork: false, authorLogin: 'Codertocat' });
    expect(r.pr?.headSha).toMatch(/^[0-9a-f]{40}$/);
  });

  it.each(['closed', 'labeled', 'assigned', 'converted_to_draft', 'review_requested'])(
    '%s → skip',
    (action) => {
      const r = parseEvent(eventName, prEvent(action, {}, eventName), opts);
      expect(r).toEqual({ skip: true, reason: `${eventName} action "${action}" does not start a run` });
    },
  );
});

describe('pull_request details', () => {
  it('marks PRs from forks', () => {
    const r = request(
      'pull_request',
      prOpened({ pull_request: { head: { repo: { full_name: 'someone/octo-repo' } } } }),
    );
    expect(r.pr).toMatchObject({ isFork: true, headRepo: 'someone/octo-repo' });
  });

  it('treats a deleted head repository as a fork', () => {
    const r = request('pull_request', prOpened({ pull_request: { head: { repo: null } } }));
    expect(r.pr).toMatchObject({ isFork: true, headRepo: '' });
  });

  it('takes the actor type from sender.type, not from the login', () => {
    expect(request('pull_request', prOpened(sender('dependabot[bot]', 'Bot'))).actor).toEqual(
      expect.objectContaining({ login: 'dependabot[bot]', type: 'Bot' }),
    );
    expect(request('pull_request', prOpened(sender('looks-like[bot]', 'User'))).actor.type).toBe('User');
  });

  it('runs an explicit prompt on any action', () => {
    const r = request('pull_request', prEvent('closed'), { ...opts, explicitPrompt: 'Write release notes' });
    expect(r).toMatchObject({
      trigger: 'prompt',
      command: { name: 'ask', text: 'Write release notes' },
      action: 'closed',
    });
  });

  it('rejects a malformed payload with one line', () => {
    expect(() => parseEvent('pull_request', prOpened({ pull_request: { number: 'two' } }), opts)).toThrow(
      /^Malformed pull_request payload: pull_request\.number must be number, got string$/,
    );
    expect(() =>
      parseEvent('pull_request', prOpened({ pull_request: { head: { sha: undefined } } }), opts),
    ).toThrow('Malformed pull_request payload: pull_request.head.sha is missing (expected string)');
  });
});
