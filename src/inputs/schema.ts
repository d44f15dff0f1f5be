/**
 * The action inputs as one zod schema. Raw values are the strings `@actions/core` reads (empty when
 * unset); the schema turns them into one typed settings object or says which input is wrong.
 */
import { z } from 'zod';
import { allowedBashProblem, ruleProblem } from '../policy/rules';

const optionalString = z
  .string()
  .transform((s) => s.trim())
  .transform((s) => (s === '' ? undefined : s));

/** Newline- or comma-separated list; blank entries dropped. */
const list = z.string().transform((s) =>
  s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter((x) => x !== ''),
);

/**
 * Tool rules, newline- or comma-separated; a comma inside a rule's parentheses belongs to the
 * rule (`Edit(src/{a,b}.ts)`, `Bash(npm run lint, --fix)`). Every entry must be usable: a rule
 * that cannot be read, or could never match, is an input error naming it.
 */
function ruleList(name: 'allowed_tools' | 'disallowed_tools') {
  return z
    .string()
    .transform((s) => splitRules(s))
    .superRefine((entries, ctx) => {
      for (const entry of entries) {
        const problem = ruleProblem(entry, name);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      }
    });
}

function splitRules(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of s) {
    if (ch === '\n' || (ch === ',' && depth === 0)) {
      out.push(current);
      current = '';
      // A rule never spans lines: an unclosed "(" is reported for its own entry.
      if (ch === '\n') depth = 0;
      continue;
    }
    if (ch === '(') depth += 1;
    else if (ch === ')' && depth > 0) depth -= 1;
    current += ch;
  }
  out.push(current);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

/** Newline-separated list only: Bash prefixes may contain commas. */
const lines = z.string().transform((s) =>
  s
    .split('\n')
    .map((x) => x.trim())
    .filter((x) => x !== ''),
);

function number(name: string, opts: { min: number; max: number; int?: boolean }) {
  return z.string().transform((s, ctx) => {
    const n = Number(s.trim());
    const ok =
      s.trim() !== '' &&
      Number.isFinite(n) &&
      n >= opts.min &&
      n <= opts.max &&
      (!opts.int || Number.isInteger(n));
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be ${opts.int ? 'a whole number' : 'a number'} from ${opts.min} to ${opts.max}, got "${s}"`,
      });
      return z.NEVER;
    }
    return n;
  });
}

function optionalNumber(name: string, opts: { min: number; max: number }) {
  return z.string().transform((s, ctx) => {
    if (s.trim() === '') return undefined;
    const n = Number(s.trim());
    if (!Number.isFinite(n) || n < opts.min || n > opts.max) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be a number from ${opts.min} to ${opts.max}, got "${s}"`,
      });
      return z.NEVER;
    }
    return n;
  });
}

function oneOf<const T extends readonly [string, ...string[]]>(name: string, values: T) {
  return z.string().transform((s, ctx) => {
    const v = s.trim();
    if (!(values as readonly string[]).includes(v)) {
      ctx.addIssue({ code: 'custom', message: `${name} must be one of ${values.join(', ')}, got "${s}"` });
      return z.NEVER;
    }
    return v as T[number];
  });
}

/** YAML 1.2 core booleans, as `core.getBooleanInput` accepts them. */
function boolean(name: string) {
  return z.string().transform((s, ctx) => {
    const v = s.trim();
    if (['true', 'True', 'TRUE'].includes(v)) return true;
    if (['false', 'False', 'FALSE', ''].includes(v)) return false;
    ctx.addIssue({ code: 'custom', message: `${name} must be true or false, got "${s}"` });
    return z.NEVER;
  });
}

/** GitHub label names: 1–50 characters, no line breaks (GitHub's own limit). */
const labelName = z
  .string()
  .transform((s) => s.trim() || 'claude')
  .refine((s) => s.length <= 50 && !/[\r\n]/.test(s), {
    message: 'label_trigger must be one label name of at most 50 characters',
  });

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

/** Comma/newline list of GitHub logins, `@` optional. */
function logins(name: string) {
  return list.transform((items, ctx) => {
    const out: string[] = [];
    for (const item of items) {
      const login = item.replace(/^@/, '');
      if (!LOGIN.test(login)) {
        ctx.addIssue({ code: 'custom', message: `${name} must list GitHub logins, got "${item}"` });
        return z.NEVER;
      }
      out.push(login);
    }
    return out;
  });
}

/**
 * A prefix for branch names that git accepts (`git check-ref-format` rules that a prefix can
 * break): no spaces or control characters, none of `~^:?*[\\`, no `..`, `@{`, `//`, and no leading
 * `/`, `-` or `.`. Empty means no prefix.
 */
const branchPrefix = z
  .string()
  .transform((s) => s.trim())
  .refine(
    (s) =>
      s === '' ||
      (s.length <= 100 &&
        // eslint-disable-next-line no-control-regex
        !/[\x00-\x20\x7f~^:?*[\\]/.test(s) &&
        !s.includes('..') &&
        !s.includes('@{') &&
        !s.includes('//') &&
        !/^[/.-]/.test(s) &&
        !/(^|\/)\./.test(s) &&
        !/\.lock(\/|$)/.test(s)),
    {
      message:
        'branch_prefix must be usable in a git branch name (letters, digits, "-", "_", "." and "/"; no spaces, "..", or leading "/", "-" or ".")',
    },
  );

const MAX_INSTRUCTIONS = 20_000;

export const inputSchema = z.object({
  anthropic_api_key: optionalString,
  claude_code_oauth_token: optionalString,
  github_token: optionalString,
  app_id: optionalString,
  app_private_key: optionalString,
  trigger_phrase: z
    .string()
    .transform((s) => s.trim() || '/claude')
    .refine((s) => !/\s/.test(s), { message: 'trigger_phrase must be one word without spaces' }),
  prompt: optionalString,
  prompt_file: optionalString,
  model: optionalString,
  max_turns: number('max_turns', { min: 1, max: 500, int: true }),
  max_budget_usd: number('max_budget_usd', { min: 0.01, max: 1000 }),
  pr_budget_usd: optionalNumber('pr_budget_usd', { min: 0.01, max: 100000 }),
  timeout_minutes: number('timeout_minutes', { min: 0.05, max: 360 }),
  tool_policy: oneOf('tool_policy', ['auto', 'read-only', 'edit'] as const),
  allowed_tools: ruleList('allowed_tools'),
  disallowed_tools: ruleList('disallowed_tools'),
  allowed_bash: lines.superRefine((entries, ctx) => {
    for (const entry of entries) {
      const problem = allowedBashProblem(entry);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }
  }),
  allowed_users: list,
  allowed_bots: list,
  session_store: oneOf('session_store', ['auto', 'artifact', 'fs', 'none'] as const),
  session_dir: optionalString,
  session_key: optionalString,
  comment_mode: oneOf('comment_mode', ['update', 'new', 'sticky'] as const),
  claude_code_path: optionalString,
  sandbox: oneOf('sandbox', ['auto', 'required', 'off'] as const),
  allowed_domains: list,
  allow_config_writes: boolean('allow_config_writes'),
  mcp_servers: list,
  context_tokens: number('context_tokens', { min: 1000, max: 150000, int: true }),
  json_schema: optionalString,
  review_drafts: boolean('review_drafts'),
  label_trigger: labelName,
  assignee_trigger: logins('assignee_trigger'),
  branch_prefix: branchPrefix,
  custom_instructions: z
    .string()
    .transform((s) => s.trim())
    .refine((s) => s.length <= MAX_INSTRUCTIONS, {
      message: `custom_instructions must be at most ${MAX_INSTRUCTIONS} characters`,
    })
    .transform((s) => (s === '' ? undefined : s)),
});

export type RawInputs = z.input<typeof inputSchema>;
export type Inputs = z.output<typeof inputSchema>;

/** Defaults as action.yml declares them; used when an input is absent (local runs, tests). */
export const inputDefaults: Record<keyof RawInputs, string> = {
  anthropic_api_key: '',
  claude_code_oauth_token: '',
  github_token: '',
  app_id: '',
  app_private_key: '',
  trigger_phrase: '/claude',
  prompt: '',
  prompt_file: '',
  model: '',
  max_turns: '30',
  max_budget_usd: '5',
  pr_budget_usd: '',
  timeout_minutes: '30',
  tool_policy: 'auto',
  allowed_tools: '',
  disallowed_tools: '',
  allowed_bash: '',
  allowed_users: '',
  allowed_bots: '',
  session_store: 'auto',
  session_dir: '',
  session_key: '',
  comment_mode: 'update',
  claude_code_path: '',
  sandbox: 'auto',
  allowed_domains: '',
  allow_config_writes: 'false',
  mcp_servers: '',
  context_tokens: '20000',
  json_schema: '',
  review_drafts: 'false',
  label_trigger: 'claude',
  assignee_trigger: '',
  branch_prefix: 'claude/',
  custom_instructions: '',
};
