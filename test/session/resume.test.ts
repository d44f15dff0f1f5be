/**
 * A real resume through the Agent SDK and the real Claude Code CLI: run 1 records the session into
 * a MemorySessionStore, the SessionManager stores it encrypted (fs), and run 2 — on a "new runner"
 * (fresh HOME and CLAUDE_CONFIG_DIR, different cwd) — resumes it from the restored store.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  contentText,
  lastUserText,
  startFakeAnthropic,
  type FakeAnthropic,
  type Script,
} from '../support/fake-anthropic';
import {
  deriveSessionKey,
  MemorySessionStore,
  SessionManager,
  type SessionScope,
} from '../../src/session/index';
import { freshDir, runTurn } from './sdk-run';

const scope: SessionScope = { owner: 'octo-org', repo: 'hello-world', kind: 'pull_request', number: 7 };
const key = deriveSessionKey({ apiKey: 'sk-ant-test', repository: 'octo-org/hello-world' });

/**
 * The scripted model answers the recall question from the conversation it is sent. (With
 * `tools: []` the CLI sends no tools, so the fake's isMainLoop() is false for every request; the
 * agent's own turn is recognised by the user's prompt instead.)
 */
const script: Script = (req) => {
  if (lastUserText(req).includes('what was the word?')) {
    const history = req.messages.map((m) => contentText(m.content)).join('\n');
    return { text: history.includes('PINEAPPLE') ? 'The word was PINEAPPLE.' : 'I do not know any word.' };
  }
  return { text: 'Noted, I will remember it.' };
};

/** The requests that carried `prompt` as the user's latest message: the agent's turn for it. */
function turnRequests(fake: FakeAnthropic, from: number, prompt: string) {
  return fake.requests.slice(from).filter((r) => lastUserText(r.body).includes(prompt));
}

describe('durable sessions through the real SDK and CLI', () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic(script);
  });
  afterAll(async () => {
    await fake.close();
  });

  it('resumes the earlier conversation on a new runner from an encrypted fs session', async () => {
    const fsDir = freshDir('relay-sessions-');

    // Run 1: a fresh session, mirrored into the in-memory store.
    const recorder = new MemorySessionStore();
    const run1 = await runTurn({
      prompt: 'remember the word PINEAPPLE',
      fakeUrl: fake.url,
      sessionStore: recorder,
    });
    expect(run1.subtype).toBe('success');
    const sessionId = run1.resultSessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(recorder.sessionIds()).toEqual([sessionId]);
    expect(recorder.has(sessionId!)).toBe(true);

    const location = await new SessionManager({ kind: 'fs', fsDir, key, scope, runId: '1' }).persist(
      recorder,
      sessionId!,
    );
    expect(location).toBe(`fs:octo-org__hello-world__pull_request-7__${sessionId}.sess`);
    const file = path.join(fsDir, location.slice(3));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file).includes(Buffer.from('PINEAPPLE'))).toBe(false);

    // Run 2: a new runner restores the store from the marker's location and resumes.
    const restored = await new SessionManager({ kind: 'fs', fsDir, key, scope, runId: '2' }).restore(
      location,
    );
    expect(restored.note).toBeUndefined();
    expect(restored.sessionId).toBe(sessionId);
    const before = fake.requests.length;
    const entriesBefore = (await restored.store!.load({ projectKey: 'x', sessionId: sessionId! }))!.length;
    const run2 = await runTurn({
      prompt: 'what was the word?',
      fakeUrl: fake.url,
      sessionStore: restored.store!,
      resume: restored.sessionId!,
    });
    expect(run2.subtype).toBe('success');

    // The model's request for run 2's turn carried the earlier conversation.
    const turn2 = turnRequests(fake, before, 'what was the word?');
    expect(turn2.length).toBeGreaterThan(0);
    expect(turn2[0]!.raw).toContain('PINEAPPLE');
    expect(contentText(turn2[0]!.body.messages[0]?.content)).toContain('remember the word PINEAPPLE');
    expect(run2.result).toBe('The word was PINEAPPLE.');

    // Observed SDK behaviour (0.3.330): resume without forkSession keeps the session id, and the
    // new turn is mirrored into the restored store under that id, so the next persist() holds
    // the whole conversation.
    expect(run2.initSessionId).toBe(sessionId);
    expect(run2.resultSessionId).toBe(sessionId);
    expect(restored.store!.sessionIds()).toEqual([sessionId]);
    const entriesAfter = (await restored.store!.load({ projectKey: 'x', sessionId: sessionId! }))!.length;
    expect(entriesAfter).toBeGreaterThan(entriesBefore);

    // Run 3: persisting after run 2 replaces the file with the whole conversation so far.
    expect(
      await new SessionManager({ kind: 'fs', fsDir, key, scope, runId: '2' }).persist(
        restored.store!,
        sessionId!,
      ),
    ).toBe(location);
    expect(fs.readdirSync(fsDir)).toEqual([location.slice(3)]);
    const again = await new SessionManager({ kind: 'fs', fsDir, key, scope, runId: '3' }).restore(location);
    const from3 = fake.requests.length;
    const run3 = await runTurn({
      prompt: 'what was the word? Say it once more.',
      fakeUrl: fake.url,
      sessionStore: again.store!,
      resume: again.sessionId!,
    });
    expect(run3.resultSessionId).toBe(sessionId);
    const turn3 = turnRequests(fake, from3, 'Say it once more.');
    const userTexts = turn3[0]!.body.messages
      .filter((m) => m.role === 'user')
      .map((m) => contentText(m.content));
    expect(userTexts.some((t) => t.includes('remember the word PINEAPPLE'))).toBe(true);
    expect(userTexts.some((t) => t.includes('what was the word?') && !t.includes('once more'))).toBe(true);
  });

  it('without resume, the same question reaches the model with no memory of the word (control)', async () => {
    const before = fake.requests.length;
    const run = await runTurn({
      prompt: 'what was the word?',
      fakeUrl: fake.url,
      sessionStore: new MemorySessionStore(),
    });
    expect(run.subtype).toBe('success');
    const turn = turnRequests(fake, before, 'what was the word?');
    expect(turn.length).toBeGreaterThan(0);
    expect(turn[0]!.raw).not.toContain('PINEAPPLE');
    expect(run.result).toBe('I do not know any word.');
  });
});
