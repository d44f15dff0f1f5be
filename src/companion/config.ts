/**
 * The repository's companion settings: `.github/claude-relay.yml` on the default branch (Probot's
 * config loader, which also falls back to the organisation's `.github` repository and follows
 * `_extends`). Every key is optional:
 *
 * ```yaml
 * workflow: claude.yml          # the workflow the follow-ups are dispatched to (file name or id)
 * trigger_phrase: /claude       # the command word, as the action's `trigger_phrase` input
 * allowed_bots: [renovate]      # bot accounts that may trigger (default: none)
 * allowed_users: [octocat]      # users without write access that may trigger (default: none)
 * ```
 *
 * `allowed_users` lets those users past the companion's gate only; the action checks the requester
 * again with its own `allowed_users` input, so list them there too.
 */
import { z } from 'zod';

export const CONFIG_FILE = 'claude-relay.yml';
export const DEFAULT_PHRASE = '/claude';
export const DEFAULT_WORKFLOW = 'claude.yml';

/** A YAML list or a comma/newline separated string. */
const loginList = z
  .union([z.array(z.string().trim().min(1)), z.string()], {
    error: 'must be a list of account names, or one comma-separated string',
  })
  .transform((v) => (Array.isArray(v) ? v : v.split(/[\n,]/)).map((s) => s.trim()).filter((s) => s !== ''));

export const repoConfigSchema = z
  .object({
    workflow: z
      .union([z.string(), z.number().int().positive()])
      .transform((v) =>
        String(v)
          .trim()
          .replace(/^\.github\/workflows\//, ''),
      )
      .pipe(
        z
          .string()
          .regex(
            /^(?:[\w.-]+\.ya?ml|\d+)$/,
            'must be a workflow file name in .github/workflows (e.g. claude.yml) or a workflow id',
          ),
      )
      .default(DEFAULT_WORKFLOW),
    trigger_phrase: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .regex(/^\S+$/, 'must be one word without spaces')
      .default(DEFAULT_PHRASE),
    allowed_bots: loginList.default([]),
    allowed_users: loginList.default([]),
  })
  .strict();

export type RepoConfig = z.output<typeof repoConfigSchema>;

export const DEFAULT_CONFIG: RepoConfig = repoConfigSchema.parse({});

export type ConfigResult =
  | { ok: true; config: RepoConfig }
  /** `phrase`: the configured phrase when it could be read, so the comment is still understood. */
  | { ok: false; error: string; phrase: string };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => `\`${k}\``).join(', ');
        return `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys} (known: \`workflow\`, \`trigger_phrase\`, \`allowed_bots\`, \`allowed_users\`)`;
      }
      const where = issue.path.length > 0 ? `\`${issue.path.join('.')}\`` : 'the file';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates the parsed YAML (`null` when there is no file). */
export function parseRepoConfig(raw: unknown): ConfigResult {
  if (raw === null || raw === undefined) return { ok: true, config: DEFAULT_CONFIG };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, error: 'the file must be a YAML mapping of keys to values', phrase: DEFAULT_PHRASE };
  }
  const parsed = repoConfigSchema.safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  const phrase = repoConfigSchema.shape.trigger_phrase.safeParse(
    (raw as Record<string, unknown>).trigger_phrase,
  );
  return {
    ok: false,
    error: describeIssues(parsed.error),
    phrase: phrase.success ? phrase.data : DEFAULT_PHRASE,
  };
}

/** Reads and validates the config; `read` is Probot's `context.config`. */
export async function loadRepoConfig(read: (file: string) => Promise<unknown>): Promise<ConfigResult> {
  let raw: unknown;
  try {
    raw = await read(CONFIG_FILE);
  } catch (err) {
    const status = (err as { status?: number }).status;
    // A YAML syntax error is the user's to fix; an API failure is ours (the caller retries/logs).
    if (typeof status === 'number') throw err;
    const message = err instanceof Error ? err.message : String(err);
    const why = /invalid YAML|not an object/i.test(message)
      ? 'it is not valid YAML'
      : message.replace(/^\[@probot\/octokit-plugin-config\]\s*/, '');
    return { ok: false, error: why, phrase: DEFAULT_PHRASE };
  }
  return parseRepoConfig(raw);
}

/**
 * Config reads shared between deliveries: concurrent deliveries for one repository share one read
 * (a burst of comments costs one config lookup, not one each) and a result is reused for `ttlMs`
 * (default 10 s), so a change to the file applies within seconds. Failed reads are not kept.
 */
export class ConfigCache {
  private readonly entries = new Map<string, { at: number; result: Promise<ConfigResult> }>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly max = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<ConfigResult>): Promise<ConfigResult> {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && t - hit.at <= this.ttlMs) return hit.result;
    const result = load();
    const entry = { at: t, result };
    this.entries.delete(key);
    this.entries.set(key, entry);
    result.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return result;
  }
}
