import { REDACTED, Redactor } from '../../src/report/redact';

const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ',
  'QyNTUxOQAAACDx7Zk1cDqgGQkq0lL2xN',
  'abc',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

describe('Redactor', () => {
  it('masks a multi-line secret whole and each long line of it on its own', () => {
    const r = new Redactor();
    r.add(KEY);
    expect(r.redact(`key:\n${KEY}\nend`)).toBe(`key:\n${REDACTED}\nend`);
    // A tool that prints one line of the key at a time still leaks nothing.
    const oneLine = r.redact('line 2 is b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ here');
    expect(oneLine).toBe(`line 2 is ${REDACTED} here`);
    expect(r.redact('QyNTUxOQAAACDx7Zk1cDqgGQkq0lL2xN')).toBe(REDACTED);
  });

  it('does not mask short pieces of a secret, nor secrets under 4 characters', () => {
    const r = new Redactor();
    r.add(KEY, 'xyz', undefined, '');
    expect(r.known()).not.toContain('abc');
    expect(r.known()).not.toContain('xyz');
    expect(r.redact('abc xyz')).toBe('abc xyz');
  });

  it('replaces a secret that contains another whole, not leaving its tail', () => {
    const r = new Redactor();
    r.add('token-1234', 'token-1234-extended');
    expect(r.redact('a token-1234-extended b')).toBe(`a ${REDACTED} b`);
  });

  it('masks credential-shaped text it was never told about', () => {
    const r = new Redactor();
    const text =
      'ghp_abcdefghijklmnop1234 sk-ant-api03-abcdefgh AKIAABCDEFGHIJKLMNOP github_pat_11ABCDEFGHIJKLMNOPQRSTUV';
    expect(r.redact(text)).toBe([REDACTED, REDACTED, REDACTED, REDACTED].join(' '));
    expect(r.redact('ghp_short')).toBe('ghp_short');
  });
});
