/**
 * One answer per run for a repository permission lookup: the gate asks for the sender's
 * permission and the config-root check for the PR author's, often the same account. A failed
 * lookup is not kept, so the next asker tries again. Only for one action run: a long-lived process
 * (the companion) must see permission changes.
 */
import type { GitHub } from './client';

const PERMISSION_ROUTE = '/repos/{owner}/{repo}/collaborators/{username}/permission';

export function answerPermissionOnce(gh: GitHub): GitHub {
  const answers = new Map<string, Promise<unknown>>();
  gh.hook.wrap('request', (request, options) => {
    if (options.method !== 'GET' || options.url !== PERMISSION_ROUTE) return request(options);
    const key = ['owner', 'repo', 'username'].map((k) => String(options[k]).toLowerCase()).join('/');
    let answer = answers.get(key);
    if (!answer) {
      const asked = Promise.resolve(request(options));
      answers.set(key, asked);
      asked.catch(() => answers.delete(key));
      answer = asked;
    }
    return answer as ReturnType<typeof request>;
  });
  return gh;
}
