import { EventError, parseEvent } from '../../src/event';
import { isSkip, type RelayRequest } from '../../src/request/types';
import { issueComment, payload, review, reviewComment } from '../support/payloads';

const opts = { triggerPhrase: '/claude' };

function request(eventName: string, p: unknown, o: Parameters<typeof parseEvent>[2] = opts): RelayRequest {
  const r = parseEvent(eventName, p, o);
  if (isSkip(r)) throw new Error(`unexpected skip: ${r.reason}`);
  return r;
}

describe('issue_comment', () => {
  it('on an issue', () => {
    const r = request('issue_comment', issueComment('/claude why?'));
    expect(r).toMatchObject({
      eventName: 'issue_comment',
      action: 'created',
      owner: 'octo-org',
      repo: 'octo-repo',
      target: { kind: 'issue', number: 1 },
      trigger: 'comment',
      command: { name: 'ask', text: 'why?' },
      comment: { kind: 'issue_comment', body: '/claude why?', authorLogin: 'Codertocat' },
      isPullRequestTarget: false,
    });
    expect(r.comment?.id).toEqual(expect.any(Number));
    expect(r.comment?.url).toMatch(/^https:\/\/github\.com\//);
  });

  it('on a pull request: target is the PR, details fetched later', () => {
    const r = request('issue_comment', issueComment('/claude fix the typo', {}, { onPullRequest: true }));
    expect(r).toMatchObject({
      target: { kind: 'pull_request', number: 1 },
      command: { name: 'fix', text: 'the typo' },
    });
    expect(r.pr).toBeUndefined();
  });

  it.each([
    ['no phrase', 'Looks good to me'],
    ['quoted phrase', '> /claude fix it\n\nI agree'],
    ['phrase in code', 'Run `/claude review` later'],
    ['phrase in a fence', '```\n/claude fix\n```'],
    ['not a whole word', '/claudette fix'],
  ])('%s → skip', (_name, body) => {
    const r = parseEvent('issue_comment', issueComment(body), opts);
    expect(isSkip(r) && r.reason).toMatch(/^comment \d+ does not start a line with \/claude$/);
  });

  it('an edited comment never triggers, even with the phrase', () => {
    const p = payload('issue_comment', 'edited', { comment: { body: '/claude fix' } });
    expect(parseEvent('issue_comment', p, opts)).toEqual({
      skip: true,
      reason: 'issue_comment: an edited comment never triggers',
    });
    expect(parseEvent('issue_comment', p, { ...opts, explicitPrompt: 'x' })).toMatchObject({ skip: true });
  });

  it('a deleted comment → skip', () => {
    expect(parseEvent('issue_comment', payload('issue_comment', 'deleted'), opts)).toMatchObject({
      skip: true,
    });
  });

  it('an explicit prompt runs without the phrase and keeps the comment', () => {
    const r = request('issue_comment', issueComment('hello'), {
      ...opts,
      explicitPrompt: 'Summarise the thread',
    });
    expect(r).toMatchObject({
      trigger: 'prompt',
      command: { name: 'ask', text: 'Summarise the thread' },
      comment: { body: 'hello' },
    });
  });

  it('a malformed comment body gives a one-line EventError', () => {
    const p = issueComment('x', { comment: { body: 42 } });
    expect(() => parseEvent('issue_comment', p, opts)).toThrow(EventError);
    expect(() => parseEvent('issue_comment', p, opts)).toThrow(
      /^Malformed issue_comment payload: comment\.body must be string, got number$/,
    );
  });

  it('a payload that is not an object gives a one-line EventError', () => {
    expect(() => parseEvent('issue_comment', 'nope', opts)).toThrow(
      'Malformed issue_comment payload: (payload) must be object, got string',
    );
    expect(() => parseEvent('issue_comment', { action: 'created' }, opts)).toThrow(
      /^Malformed issue_comment payload: \w+ is missing \(expected object\)$/,
    );
  });
});

describe('pull_request_review_comment', () => {
  it('created with the phrase: PR from the payload, comment with path and line', () => {
    const r = request(
      'pull_request_review_comment',
      reviewComment('/claude fix this line', { comment: { line: 12, path: 'src/a.ts' } }),
    );
    expect(r).toMatchObject({
      target: { kind: 'pull_request', number: 2 },
      trigger: 'comment',
      command: { name: 'fix', text: 'this line' },
      comment: { kind: 'review_comment', path: 'src/a.ts', line: 12 },
      pr: { number: 2, isFork: false, headRepo: 'octo-org/octo-repo' },
    });
  });

  it('falls back to original_line, else no line', () => {
    expect(
      request(
        'pull_request_review_comment',
        reviewComment('/claude x', { comment: { line: null, original_line: 7 } }),
      ).comment?.line,
    ).toBe(7);
    const r = request('pull_request_review_comment', reviewComment('/claude x'));
    expect(r.comment?.path).toBe('README.md');
    expect(r.comment).not.toHaveProperty('line');
  });

  it.each(['edited', 'deleted'])('%s → skip', (action) => {
    expect(
      parseEvent('pull_request_review_comment', payload('pull_request_review_comment', action), opts),
    ).toMatchObject({
      skip: true,
    });
  });

  it('without the phrase → skip', () => {
    expect(isSkip(parseEvent('pull_request_review_comment', reviewComment('nit: rename'), opts))).toBe(true);
  });

  it('malformed path → EventError', () => {
    expect(() =>
      parseEvent(
        'pull_request_review_comment',
        reviewComment('/claude x', { comment: { path: ['a'] } }),
        opts,
      ),
    ).toThrow(/^Malformed pull_request_review_comment payload: comment\.path must be string, got array$/);
  });
});

describe('pull_request_review', () => {
  it('submitted with the phrase', () => {
    const r = request('pull_request_review', review('Some notes.\n\n/claude review security'));
    expect(r).toMatchObject({
      action: 'submitted',
      target: { kind: 'pull_request' },
      trigger: 'comment',
      command: { name: 'review', text: 'security' },
      comment: { kind: 'review', body: 'Some notes.\n\n/claude review security' },
    });
    expect(r.pr?.number).toEqual(expect.any(Number));
  });

  it.each([
    ['empty review body', null],
    ['no phrase', 'LGTM'],
  ])('%s → skip', (_name, body) => {
    expect(isSkip(parseEvent('pull_request_review', review(body), opts))).toBe(true);
  });

  it('dismissed → skip', () => {
    expect(parseEvent('pull_request_review', payload('pull_request_review', 'dismissed'), opts)).toEqual({
      skip: true,
      reason: 'pull_request_review action "dismissed" does not start a run (only "submitted")',
    });
  });
});
