import { parseEvent, phraseWord } from '../../src/event';
import { isSkip, type RelayRequest } from '../../src/request/types';
import { issueEvent, sender } from '../support/payloads';

const opts = { triggerPhrase: '/claude' };

function request(payload: unknown, o: Parameters<typeof parseEvent>[2] = opts): RelayRequest {
  const r = parseEvent('issues', payload, o);
  if (isSkip(r)) throw new Error(`unexpected skip: ${r.reason}`);
  return r;
}

describe('issues', () => {
  it.each([
    [
      'phrase in the body',
      { title: 'Crash', body: 'Steps...\n/claude fix the crash' },
      { name: 'fix', text: 'the crash' },
    ],
    [
      'phrase in the title',
      { title: '/claude why does login fail?', body: 'details' },
      { name: 'ask', text: 'why does login fail?' },
    ],
    ['review in the body', { title: 'x', body: '/claude review' }, { name: 'review', text: '' }],
  ])('opened with the %s', (_name, issue, command) => {
    const r = request(issueEvent('opened', { issue }));
    expect(r).toMatchObject({
      eventName: 'issues',
      action: 'opened',
      owner: 'octo-org',
      repo: 'octo-repo',
      target: { kind: 'issue', number: 1, title: issue.title },
      trigger: 'comment',
      command,
      isPullRequestTarget: false,
    });
    expect(r.pr).toBeUndefined();
  });

  it.each([
    ['no phrase', { title: 'Crash', body: 'It crashes.' }],
    ['quoted phrase', { title: 'Crash', body: '> /claude fix' }],
    ['null body', { title: 'Crash', body: null }],
  ])('opened with %s → skip', (_name, issue) => {
    const r = parseEvent('issues', issueEvent('opened', { issue }), opts);
    expect(r).toEqual({ skip: true, reason: 'issue #1 was opened without /claude' });
  });

  it('labeled with the phrase word → fix with the issue as the task', () => {
    const r = request(
      issueEvent('labeled', { label: { name: 'Claude' }, issue: { title: 'Add X', body: 'Please add X.' } }),
    );
    expect(r).toMatchObject({ trigger: 'label', command: { name: 'fix', text: 'Add X\n\nPlease add X.' } });
  });

  it('labeled with another label → skip', () => {
    expect(parseEvent('issues', issueEvent('labeled'), opts)).toEqual({
      skip: true,
      reason: 'label "bug" is not the claude label',
    });
  });

  it.each([
    ['claude', {}],
    ['relay-app[bot]', { botLogin: 'relay-app[bot]' }],
    ['relay-app', { botLogin: 'relay-app[bot]' }],
  ])('assigned to %s → fix', (login, extra) => {
    const r = request(issueEvent('assigned', { assignee: { login } }), { ...opts, ...extra });
    expect(r).toMatchObject({
      trigger: 'assignee',
      command: { name: 'fix' },
      target: { kind: 'issue', number: 1 },
    });
  });

  it('assigned to someone else → skip', () => {
    expect(parseEvent('issues', issueEvent('assigned'), opts)).toEqual({
      skip: true,
      reason: 'issue assigned to "Codertocat", not to the relay',
    });
  });

  it.each(['edited', 'reopened', 'unlabeled', 'locked', 'deleted', 'transferred'])('%s → skip', (action) => {
    expect(parseEvent('issues', issueEvent(action), opts)).toEqual({
      skip: true,
      reason: `issues action "${action}" does not start a run`,
    });
  });

  it('an explicit prompt runs without the phrase, but never on a deleted issue', () => {
    const o = { ...opts, explicitPrompt: 'Triage this issue' };
    expect(request(issueEvent('opened'), o)).toMatchObject({
      trigger: 'prompt',
      command: { name: 'ask', text: 'Triage this issue' },
    });
    expect(request(issueEvent('edited'), o)).toMatchObject({ trigger: 'prompt', action: 'edited' });
    expect(isSkip(parseEvent('issues', issueEvent('deleted'), o))).toBe(true);
  });

  it('keeps the sender as the actor', () => {
    expect(
      request(issueEvent('opened', { ...sender('alice'), issue: { body: '/claude hi' } })).actor,
    ).toMatchObject({
      login: 'alice',
      type: 'User',
    });
  });

  it('rejects a malformed payload with one line', () => {
    expect(() => parseEvent('issues', issueEvent('opened', { issue: { title: 42 } }), opts)).toThrow(
      /^Malformed issues payload: issue\.title must be string, got number$/,
    );
    expect(() => parseEvent('issues', issueEvent('opened', { sender: { type: 'Robot' } }), opts)).toThrow(
      /^Malformed issues payload: sender\.type must be one of User, Bot, Organization, Mannequin$/,
    );
  });

  it.each([
    ['/claude', 'claude'],
    ['@claude-bot', 'claude-bot'],
    ['  /AI ', 'ai'],
  ])('phraseWord(%j) = %j', (phrase, word) => {
    expect(phraseWord(phrase)).toBe(word);
  });
});
