import { parseEvent } from '../../src/event';
import { isSkip, type RelayRequest } from '../../src/request/types';
import { payload, repositoryDispatch, workflowDispatch } from '../support/payloads';

const opts = { triggerPhrase: '/claude' };
const SHA = 'a'.repeat(40);

function request(eventName: string, p: unknown, o: Parameters<typeof parseEvent>[2] = opts): RelayRequest {
  const r = parseEvent(eventName, p, o);
  if (isSkip(r)) throw new Error(`unexpected skip: ${r.reason}`);
  return r;
}

describe('workflow_dispatch', () => {
  const inputs = {
    command: 'review focus on x',
    pr_number: '12',
    comment_id: '99',
    head_sha: SHA,
    requested_by: 'alice',
  };

  it('a companion follow-up', () => {
    const r = request('workflow_dispatch', workflowDispatch(inputs));
    expect(r).toEqual({
      eventName: 'workflow_dispatch',
      owner: 'octo-org',
      repo: 'octo-repo',
      target: { kind: 'pull_request', number: 12 },
      actor: { login: 'alice', type: 'User' },
      trigger: 'dispatch',
      command: { name: 'review', text: 'focus on x' },
      comment: { id: 99, kind: 'issue_comment', body: '/claude review focus on x', authorLogin: 'alice' },
      expectedHeadSha: SHA,
      requestedBy: 'alice',
      isPullRequestTarget: false,
    });
  });

  it.each([
    ['free text', 'why is CI red?', { name: 'ask', text: 'why is CI red?' }],
    ['multi-line fix', 'fix the test\nand the docs', { name: 'fix', text: 'the test\nand the docs' }],
    ['upper-case command', 'STOP', { name: 'stop', text: '' }],
  ])('parses the command: %s', (_name, command, expected) => {
    expect(request('workflow_dispatch', workflowDispatch({ command, issue_number: '3' })).command).toEqual(
      expected,
    );
  });

  it('an issue follow-up, actor is the sender when requested_by is unset', () => {
    const r = request(
      'workflow_dispatch',
      workflowDispatch({ command: 'hi', issue_number: '3', pr_number: '' }),
    );
    expect(r).toMatchObject({
      target: { kind: 'issue', number: 3 },
      actor: { login: 'octocat', type: 'User' },
    });
    expect(r.requestedBy).toBeUndefined();
    expect(r.comment).toBeUndefined();
  });

  it('a manual run with only a PR number reviews it', () => {
    expect(request('workflow_dispatch', workflowDispatch({ pr_number: '5' })).command).toEqual({
      name: 'review',
      text: '',
    });
  });

  it.each([
    [
      'no number',
      { command: 'review' },
      'workflow_dispatch without pr_number or issue_number: nothing to run on (set prompt to run in the repository)',
    ],
    [
      'no inputs',
      {},
      'workflow_dispatch without pr_number or issue_number: nothing to run on (set prompt to run in the repository)',
    ],
    ['issue without command', { issue_number: '3' }, 'workflow_dispatch for issue #3 without a command'],
  ])('%s → skip', (_name, inputs, reason) => {
    expect(parseEvent('workflow_dispatch', workflowDispatch(inputs), opts)).toEqual({ skip: true, reason });
  });

  it('the real example (empty inputs) skips', () => {
    expect(isSkip(parseEvent('workflow_dispatch', payload('workflow_dispatch'), opts))).toBe(true);
  });

  it('an explicit prompt overrides the command', () => {
    const r = request('workflow_dispatch', workflowDispatch({ pr_number: '5' }), {
      ...opts,
      explicitPrompt: 'Do X',
    });
    expect(r).toMatchObject({ trigger: 'prompt', command: { name: 'ask', text: 'Do X' } });
  });

  it.each([
    ['pr_number', { pr_number: 'abc' }, 'inputs.pr_number must be a positive whole number, got "abc"'],
    ['pr_number zero', { pr_number: '0' }, 'inputs.pr_number must be a positive whole number, got "0"'],
    [
      'head_sha',
      { pr_number: '1', head_sha: 'main' },
      'inputs.head_sha must be a full commit SHA, got "main"',
    ],
    [
      'requested_by',
      { pr_number: '1', requested_by: 'a b' },
      'inputs.requested_by must be a GitHub login, got "a b"',
    ],
  ])('malformed %s → EventError', (_name, inputs, message) => {
    expect(() => parseEvent('workflow_dispatch', workflowDispatch(inputs), opts)).toThrow(
      `Malformed workflow_dispatch payload: ${message}`,
    );
  });
});

describe('repository_dispatch', () => {
  it('takes the same fields from client_payload (numbers allowed)', () => {
    const r = request(
      'repository_dispatch',
      repositoryDispatch({
        command: 'fix lint',
        pr_number: 7,
        comment_id: 5,
        comment_kind: 'review_comment',
        requested_by: 'bob',
      }),
    );
    expect(r).toMatchObject({
      action: 'on-demand-test',
      target: { kind: 'pull_request', number: 7 },
      trigger: 'dispatch',
      command: { name: 'fix', text: 'lint' },
      comment: { id: 5, kind: 'review_comment' },
      actor: { login: 'bob', type: 'User' },
      requestedBy: 'bob',
    });
  });

  it('the real example (empty client_payload) skips', () => {
    expect(parseEvent('repository_dispatch', payload('repository_dispatch', 'on-demand-test'), opts)).toEqual(
      {
        skip: true,
        reason:
          'repository_dispatch without pr_number or issue_number: nothing to run on (set prompt to run in the repository)',
      },
    );
  });

  it('malformed client_payload → EventError', () => {
    expect(() => parseEvent('repository_dispatch', repositoryDispatch({ issue_number: true }), opts)).toThrow(
      /^Malformed repository_dispatch payload: client_payload\.issue_number/,
    );
  });
});

describe('unsupported events', () => {
  it.each(['push', 'release', 'check_run', 'toString', '__proto__'])(
    '%s → skip with one line',
    (eventName) => {
      const r = parseEvent(eventName, payload('push'), opts);
      expect(r).toEqual({ skip: true, reason: `claude-relay does not handle "${eventName}" events` });
    },
  );
});
