import { MemorySessionStore, parseSessionBundle } from '../../src/session/memory-store';

const key = (sessionId: string, projectKey = '-tmp-a', subpath?: string) =>
  subpath === undefined ? { projectKey, sessionId } : { projectKey, sessionId, subpath };

describe('MemorySessionStore', () => {
  it('appends in order, dedupes by uuid, keeps entries without uuid', async () => {
    const s = new MemorySessionStore();
    await s.append(key('s1'), [{ type: 'user', uuid: 'u1' }, { type: 'tag' }]);
    await s.append(key('s1'), [
      { type: 'user', uuid: 'u1', extra: 'retry' },
      { type: 'assistant', uuid: 'a1' },
      { type: 'tag' },
    ]);
    expect(await s.load(key('s1'))).toEqual([
      { type: 'user', uuid: 'u1' },
      { type: 'tag' },
      { type: 'assistant', uuid: 'a1' },
      { type: 'tag' },
    ]);
  });

  it('answers by session id whatever the projectKey, and null for unknown keys', async () => {
    const s = new MemorySessionStore();
    await s.append(key('s1', '-tmp-runner-1'), [{ type: 'user', uuid: 'u1' }]);
    expect(await s.load(key('s1', '-home-runner-work-repo'))).toEqual([{ type: 'user', uuid: 'u1' }]);
    expect(await s.load(key('nope'))).toBeNull();
    expect(await s.load(key('s1', 'x', 'subagents/agent-9'))).toBeNull();
  });

  it('keeps subagent transcripts apart and lists them', async () => {
    const s = new MemorySessionStore();
    await s.append(key('s1'), [{ type: 'user', uuid: 'u1' }]);
    await s.append(key('s1', 'p', 'subagents/agent-a'), [{ type: 'user', uuid: 'u1' }]);
    await s.append(key('s1', 'p', 'subagents/agent-b'), [{ type: 'user', uuid: 'x' }]);
    expect((await s.listSubkeys({ projectKey: 'other', sessionId: 's1' })).sort()).toEqual([
      'subagents/agent-a',
      'subagents/agent-b',
    ]);
    expect(await s.load(key('s1', 'p', 'subagents/agent-a'))).toEqual([{ type: 'user', uuid: 'u1' }]);
    await s.delete(key('s1', 'p', 'subagents/agent-a'));
    expect(await s.listSubkeys({ projectKey: 'p', sessionId: 's1' })).toEqual(['subagents/agent-b']);
  });

  it('lists sessions with increasing integer mtimes and deletes whole sessions', async () => {
    const s = new MemorySessionStore();
    await s.append(key('s1'), [{ type: 'user', uuid: 'u1' }]);
    await s.append(key('s2'), [{ type: 'user', uuid: 'u2' }]);
    const list = await s.listSessions('anything');
    expect(list.map((x) => x.sessionId)).toEqual(['s1', 's2']);
    expect(list.every((x) => Number.isInteger(x.mtime))).toBe(true);
    expect(list[1]!.mtime).toBeGreaterThan(list[0]!.mtime);
    await s.delete(key('s1'));
    expect(await s.load(key('s1'))).toBeNull();
    expect(s.has('s1')).toBe(false);
    expect(s.has('s2')).toBe(true);
  });

  it('does not let callers mutate what it holds', async () => {
    const s = new MemorySessionStore();
    const entry = { type: 'user', uuid: 'u1', message: { text: 'a' } };
    await s.append(key('s1'), [entry]);
    entry.message.text = 'changed';
    const loaded = await s.load(key('s1'));
    expect(loaded).toEqual([{ type: 'user', uuid: 'u1', message: { text: 'a' } }]);
    (loaded![0] as unknown as { message: { text: string } }).message.text = 'again';
    expect(await s.load(key('s1'))).toEqual([{ type: 'user', uuid: 'u1', message: { text: 'a' } }]);
  });

  it('round-trips through a bundle, subagents included, and dedupes later appends', async () => {
    const s = new MemorySessionStore();
    await s.append(key('s1'), [{ type: 'user', uuid: 'u1' }, { type: 'mode' }]);
    await s.append(key('s1', 'p', 'subagents/agent-a'), [{ type: 'assistant', uuid: 'x1' }]);
    await s.append(key('other'), [{ type: 'user', uuid: 'o1' }]);
    const bundle = s.toBundle('s1');
    expect(bundle).toMatchObject({
      v: 1,
      sessionId: 's1',
      main: [{ type: 'user', uuid: 'u1' }, { type: 'mode' }],
      subkeys: { 'subagents/agent-a': [{ type: 'assistant', uuid: 'x1' }] },
    });
    expect(Date.parse(bundle.createdAt)).not.toBeNaN();
    expect(parseSessionBundle(JSON.parse(JSON.stringify(bundle)))).toEqual(bundle);

    const r = MemorySessionStore.fromBundle(bundle);
    expect(r.sessionIds()).toEqual(['s1']);
    expect(await r.load(key('s1', 'new-runner'))).toEqual(bundle.main);
    expect(await r.listSubkeys({ projectKey: 'new-runner', sessionId: 's1' })).toEqual(['subagents/agent-a']);
    // The resumed run appends to the same session: old uuids are not duplicated.
    await r.append(key('s1', 'new-runner'), [
      { type: 'user', uuid: 'u1' },
      { type: 'user', uuid: 'u2' },
    ]);
    expect((await r.load(key('s1')))?.map((e) => e.uuid ?? e.type)).toEqual(['u1', 'mode', 'u2']);
  });

  it('rejects values that are not bundles', () => {
    expect(
      parseSessionBundle({ v: 2, sessionId: 's', createdAt: '', main: [], subkeys: {} }),
    ).toBeUndefined();
    expect(
      parseSessionBundle({ v: 1, sessionId: 's', createdAt: '', main: [{ uuid: 'no type' }], subkeys: {} }),
    ).toBeUndefined();
    expect(parseSessionBundle('x')).toBeUndefined();
  });
});
