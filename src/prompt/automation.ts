/**
 * The prompt of an automation run (a `prompt` on an event without a PR or issue): the workflow's
 * prompt is the task; the event is described, and anything people wrote in it (commit messages,
 * release notes) is fenced as data.
 */
import type { RelayRequest } from '../request/types';
import { fenceUntrusted, newNonce, sanitizeUntrusted } from './sanitize';

export function automationPrompt(req: RelayRequest): string {
  const nonce = newNonce();
  const ev = req.automation;
  const parts = ['# Task', req.command.text.trim()];
  parts.push(
    '',
    '# Event',
    `This run was started by a \`${ev?.eventName ?? req.eventName}\` event${ev?.action ? ` (${ev.action})` : ''} in ${req.owner}/${req.repo}; there is no pull request or issue.`,
  );
  if (ev?.ref) parts.push(fenceUntrusted('ref', sanitizeUntrusted(ev.ref), nonce));
  if (ev?.sha && /^[0-9a-f]{7,64}$/i.test(ev.sha)) parts.push(`Commit: ${ev.sha}.`);
  for (const u of ev?.untrusted ?? []) parts.push(fenceUntrusted(u.label, sanitizeUntrusted(u.text), nonce));
  return parts.join('\n');
}
