/**
 * The hidden marker in every result comment: `<!-- claude-relay:session {json} -->`.
 * It is how follow-ups find the session and how `/claude cost` adds up spend. Markers are only
 * trusted in comments written by the relay's own identity; callers check the author.
 */
import { z } from 'zod';

export const markerSchema = z.object({
  v: z.literal(1),
  status: z.enum(['running', 'done']),
  run_id: z.string(),
  session_id: z.string().optional(),
  cost_usd: z.number().optional(),
  conclusion: z.string().optional(),
  num_turns: z.number().optional(),
  /** Where the session transcript lives: `fs:<key>`, `artifact:<name>`, or `none`. */
  store: z.string().optional(),
  /**
   * Running totals of the session at the end of this run. A resumed session reports cumulative
   * cost and tokens, so the next run subtracts these to get its own.
   */
  session_cost_usd: z.number().optional(),
  session_input_tokens: z.number().optional(),
  session_output_tokens: z.number().optional(),
  /** The comment that triggered this run, so a repeated trigger is recognised. */
  trigger_comment_id: z.number().optional(),
});

export type Marker = z.infer<typeof markerSchema>;

const PREFIX = '<!-- claude-relay:session ';
const MARKER_RE = /<!-- claude-relay:session (\{[^\n]*?\}) -->/;

export function renderMarker(m: Marker): string {
  // JSON cannot contain `-->` here: every field is a number or a plain identifier; escape anyway.
  return `${PREFIX}${JSON.stringify(m).replace(/--/g, '-\\u002d')} -->`;
}

export function parseMarker(body: string): Marker | undefined {
  const match = MARKER_RE.exec(body);
  if (!match?.[1]) return undefined;
  try {
    const parsed = markerSchema.safeParse(JSON.parse(match[1]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
