/** Helpers shared by the event families: the action field, the `prompt` override, skips. */
import { z } from 'zod';
import type { EventResult, RelayRequest } from '../request/types';
import { validate, type EventOptions } from './schema';

const withAction = z.looseObject({ action: z.string() });

/** The payload's `action`, validated before anything else so unrelated actions skip cheaply. */
export function actionOf(payload: unknown, eventName: string): string {
  return validate(withAction, payload, eventName).action;
}

/** The `prompt` input, or undefined when unset or blank. */
export function explicitPrompt(opts: EventOptions): string | undefined {
  const p = opts.explicitPrompt?.trim();
  return p ? p : undefined;
}

/** With an explicit prompt, the event runs that prompt as a plain `ask`, whatever triggered it. */
export function withPrompt(req: RelayRequest, opts: EventOptions): EventResult {
  const prompt = explicitPrompt(opts);
  if (prompt === undefined) return req;
  return { ...req, trigger: 'prompt', command: { name: 'ask', text: prompt } };
}

/** `title` and `body` as one task text (label/assignee triggers). */
export function titleAndBody(title: string, body: string | null | undefined): string {
  return [title.trim(), (body ?? '').trim()].filter((s) => s !== '').join('\n\n');
}
