/**
 * `npm run local -- --fake` leaves nothing behind in the temp folder (its demo workspace and the
 * runner's folders are removed), and the demo answer's count matches what it shows.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { ROOT } from '../support/runner';

it('removes its temp folders and counts the lines it shows', async () => {
  const out = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
    const child = spawn(
      'npm',
      [
        'run',
        '--silent',
        'local',
        '--',
        '--event',
        'test/fixtures/events/pull_request.opened.json',
        '--fake',
      ],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, text }));
  });
  expect(out.code).toBe(0);
  const workspace = /· workspace (\S+)/.exec(out.text)?.[1];
  expect(workspace).toMatch(/relay-ws-/);
  expect(fs.existsSync(workspace!)).toBe(false);

  const count = /searched the checkout for `answer`: (\d+) matching lines?(, the first (\d+) below)?\./.exec(
    out.text,
  );
  expect(count).not.toBeNull();
  const fence = out.text.slice(count!.index).split('```')[1] ?? '';
  const shown = fence.split('\n').filter((l) => /answer/.test(l));
  expect(shown.length).toBe(Number(count![3] ?? count![1]));
  expect(Number(count![1])).toBeGreaterThanOrEqual(shown.length);
});
