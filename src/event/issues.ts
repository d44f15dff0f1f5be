/**
 * `issues`: opened with the phrase in the title or body, labeled with the phrase's word (e.g.
 * `claude`), or assigned to `claude` / the relay's bot.
 */
import { z } from 'zod';
import { findTrigger } from '../commands/parse';
import type { EventResult, ParsedCommand, RelayRequest, TriggerKind } from '../request/types';
import { actionOf, explicitPrompt, titleAndBody, withPrompt } from './common';
import { actorOf, base, issue, repoOf, skip, validate, type EventOptions } from './schema';

const schema = base.extend({
  issue,
  label: z.looseObject({ name: z.string() }).nullish(),
  assignee: z.looseObject({ login: z.string() }).nullish(),
});

/** Actions that never make sense to run on, even with an explicit prompt. */
const NEVER = new Set(['deleted', 'transferred']);

/** `/claude` → `claude`, `@claude-bot` → `claude-bot`: the label that starts an issue task. */
export function phraseWord(phrase: string): string {
  return phrase
    .trim()
    .replace(/^[^\p{L}\p{N}]+/u, '')
    .toLowerCase();
}

/** The label that starts an issue task: `label_trigger`, else the phrase's word. */
export function triggerLabel(opts: EventOptions): string {
  return opts.labelTrigger?.trim() || phraseWord(opts.triggerPhrase);
}

function isOurAssignee(login: string, opts: EventOptions): boolean {
  const l = login.toLowerCase();
  const names = new Set(
    opts.assigneeTriggers?.length
      ? opts.assigneeTriggers.map((n) => n.toLowerCase())
      : ['claude', phraseWord(opts.triggerPhrase)],
  );
  if (opts.botLogin) {
    const bot = opts.botLogin.toLowerCase();
    names.add(bot);
    names.add(bot.replace(/\[bot\]$/, ''));
  }
  names.delete('');
  return names.has(l);
}

export function issuesEvent(eventName: string, payload: unknown, opts: EventOptions): EventResult {
  const action = actionOf(payload, eventName);
  const prompt = explicitPrompt(opts);
  if (!['opened', 'labeled', 'assigned'].includes(action) && (prompt === undefined || NEVER.has(action))) {
    return skip(`issues action "${action}" does not start a run`);
  }
  const p = validate(schema, payload, eventName);
  const task = titleAndBody(p.issue.title, p.issue.body);

  let trigger: TriggerKind = 'prompt';
  let command: ParsedCommand = { name: 'ask', text: prompt ?? '' };
  if (prompt === undefined) {
    if (action === 'opened') {
      const found =
        findTrigger(p.issue.title, opts.triggerPhrase) ?? findTrigger(p.issue.body ?? '', opts.triggerPhrase);
      if (!found) return skip(`issue #${p.issue.number} was opened without ${opts.triggerPhrase.trim()}`);
      trigger = 'comment';
      command = found;
    } else if (action === 'labeled') {
      const label = p.label?.name ?? '';
      const wanted = triggerLabel(opts);
      if (label.trim().toLowerCase() !== wanted.toLowerCase() || label === '') {
        return skip(`label "${label}" is not the ${wanted} label`);
      }
      trigger = 'label';
      command = { name: 'fix', text: task };
    } else {
      const login = p.assignee?.login ?? '';
      if (!isOurAssignee(login, opts)) return skip(`issue assigned to "${login}", not to the relay`);
      trigger = 'assignee';
      command = { name: 'fix', text: task };
    }
  }

  const req: RelayRequest = {
    eventName,
    action,
    ...repoOf(p.repository),
    target: { kind: 'issue', number: p.issue.number, title: p.issue.title },
    actor: actorOf(p.sender),
    trigger,
    command,
    isPullRequestTarget: false,
  };
  return withPrompt(req, opts);
}
