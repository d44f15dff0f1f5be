/**
 * A Claude Code CLI started while the run is still deciding: the SDK's `prewarm()` boots the
 * process (module load, config, auth, tools, MCP handshakes — about a second) while the gate and
 * context calls are in flight, and the turn later claims it with its folder and prompt.
 *
 * The spare is started from options predicted before the PR is read. It is used only if the run's
 * real options start the CLI exactly the same way (same executable, environment, settings
 * sources, sandbox, tools, caps, servers and hooks); anything else — a fork's base-commit config,
 * a smaller budget, a session to resume — closes it and starts the CLI the usual way. Callbacks and
 * in-process servers cannot be compared, so the spare gets stand-ins that forward to the run's own
 * ones; their shape (hook events and matchers; server names, tool names and descriptions) is part
 * of the comparison.
 */
import {
  prewarm,
  query,
  type HookCallbackMatcher,
  type McpServerConfig,
  type Options,
  type SDKMessage,
  type SDKUserMessage,
  type SpareProcess,
} from '@anthropic-ai/claude-agent-sdk';
import { markStage } from '../report/stages';
import type { AgentStream } from './query';
import { sdkServer, sdkServerParams } from './sdk-server';

type Hooks = NonNullable<Options['hooks']>;
type ToolHandler = (args: never, extra: unknown) => Promise<unknown>;
export type Prompt = () => AsyncIterable<SDKUserMessage>;

/** Options a claim sets; everything else is fixed when the spare starts. */
const CLAIMED = ['cwd', 'model', 'permissionMode', 'abortController'] as const;

export class AgentSpare {
  private claimedOnce = false;

  private constructor(
    private readonly spare: Promise<SpareProcess>,
    private readonly key: string,
    private readonly abort: AbortController,
    private readonly slot: { bound?: Options },
    private readonly log: (line: string) => void,
  ) {
    spare.then(() => markStage('cli-ready')).catch(() => {});
    // A spare nobody claims must not fail the run.
    spare.catch((err: unknown) => log(`Parked CLI did not start: ${(err as Error).message}`));
  }

  /** Why a CLI with these options cannot be parked; undefined when it can. */
  static unparkable(predicted: Options): string | undefined {
    if (predicted.resume || predicted.continue) return 'the run resumes a session';
    if (predicted.canUseTool) return 'the run asks a permission callback';
    // Claude Code refuses to park (`--await-claim`) when commands get a scrubbed environment: its
    // subprocess sandbox pins the paths it protects to the folder it starts in. Starting it anyway
    // only costs a process start and prints its refusal in every sandboxed run's log.
    if (predicted.env?.CLAUDE_CODE_SUBPROCESS_ENV_SCRUB === '1')
      return 'commands are sandboxed with a scrubbed environment, which Claude Code does not allow a parked CLI';
    return undefined;
  }

  /** Boots a CLI for these options; undefined when they cannot be given to a spare. */
  static start(predicted: Options, log: (line: string) => void): AgentSpare | undefined {
    if (AgentSpare.unparkable(predicted)) return undefined;
    const abort = new AbortController();
    // Filled by run(): the options of the run that claimed the spare.
    const slot: { bound?: Options } = {};
    const target = () => {
      if (!slot.bound) throw new Error('the parked CLI was used before the run claimed it');
      return slot.bound;
    };
    const mcpServers = forwardServers(predicted.mcpServers ?? {}, target);
    if (!mcpServers) return undefined;
    const host: Options = {
      ...withoutClaimed(predicted),
      systemPrompt: hostSystemPrompt(predicted.systemPrompt),
      hooks: forwardHooks(predicted.hooks ?? {}, () => target().hooks ?? {}),
      mcpServers,
      ...(predicted.sessionStore
        ? { sessionStore: forwardObject(predicted.sessionStore, () => target().sessionStore) }
        : {}),
      // What the CLI prints while parked is debug output nobody asked for yet.
      stderr: (data) => slot.bound?.stderr?.(data),
      abortController: abort,
    };
    // A CLI that has not booted in this time is not waited for: the run starts its own.
    const booting = prewarm({ options: host, initializeTimeoutMs: 20_000 });
    return new AgentSpare(booting, hostKey(predicted), abort, slot, log);
  }

  /** Why a run with these options cannot use the spare; undefined when it can. */
  mismatch(options: Options): string | undefined {
    if (this.claimedOnce) return 'already used';
    if (options.resume) return 'the run resumes a session';
    const key = hostKey(options);
    if (key === this.key) return undefined;
    const [a, b] = [JSON.parse(this.key), JSON.parse(key)] as Record<string, unknown>[];
    const differ = Object.keys({ ...a, ...b }).filter(
      (k) => JSON.stringify(a?.[k]) !== JSON.stringify(b?.[k]),
    );
    return `its options differ (${differ.join(', ')})`;
  }

  /**
   * Starts the turn on the spare when it matches, else with `query()`. A claim the CLI refuses
   * (for example project settings that cannot be claimed) falls back to `query()`: the prompt has
   * not run then.
   */
  async run(prompt: Prompt, options: Options): Promise<AgentStream> {
    const why = this.mismatch(options);
    if (why) {
      this.log(`Parked CLI not used: ${why}`);
      void this.close();
      return query({ prompt: prompt(), options });
    }
    this.claimedOnce = true;
    this.slot.bound = options;
    options.abortController?.signal.addEventListener('abort', () => this.abort.abort(), { once: true });
    let spare: SpareProcess;
    try {
      spare = await this.spare;
    } catch {
      return query({ prompt: prompt(), options });
    }
    const claim = spare.claim({
      prompt: prompt(),
      options: {
        cwd: options.cwd ?? process.cwd(),
        ...(options.model ? { model: options.model } : {}),
        ...(options.permissionMode ? { permissionMode: options.permissionMode } : {}),
        ...(appendOf(options) ? { appendSystemPrompt: appendOf(options) } : {}),
      },
    });
    const accepted = spare.claimed.then(
      (c) => {
        this.log(`Claimed the parked CLI (it waited ${c.parkedMs ?? '?'} ms)`);
        return true;
      },
      (err: Error) => {
        // The one refusal after which the prompt does run: model not applied.
        if (err.message.startsWith('option_not_applied')) return true;
        this.log(`The parked CLI refused the claim (${err.message.split('\n')[0]}): starting the CLI afresh`);
        spare.close();
        return false;
      },
    );
    let active: AgentStream = claim;
    // The claim's answer comes through the same stream as the messages, so the stream is read
    // while waiting for it; messages are held until the claim is known to be accepted.
    async function* messages(): AsyncGenerator<SDKMessage> {
      const held: SDKMessage[] = [];
      let verdict: boolean | undefined;
      void accepted.then((v) => (verdict = v));
      for await (const m of claim) {
        if (verdict === false) break;
        held.push(m);
        if (verdict) yield* held.splice(0);
      }
      if (await accepted) {
        yield* held.splice(0);
        return;
      }
      active = query({ prompt: prompt(), options });
      yield* active;
    }
    const stream = messages();
    return {
      [Symbol.asyncIterator]: () => stream,
      interrupt: () => active.interrupt(),
    };
  }

  /**
   * Discards the spare unless a run claimed it (its process then ends with the run's query);
   * resolves once the process has exited (at most a few seconds), so its folder can be removed.
   */
  async close(): Promise<void> {
    if (this.claimedOnce) return;
    try {
      const spare = await this.spare;
      spare.close();
      await Promise.race([spare.exited, new Promise((r) => setTimeout(r, 3000).unref())]);
    } catch {
      // never started: nothing to end
    }
  }
}

function withoutClaimed(o: Options): Options {
  const copy: Record<string, unknown> = { ...o };
  for (const k of CLAIMED) delete copy[k];
  return copy as Options;
}

/** The preset's appended text is the claim's `appendSystemPrompt`; the rest is fixed at start. */
function hostSystemPrompt(p: Options['systemPrompt']): Options['systemPrompt'] {
  return p && typeof p === 'object' && !Array.isArray(p) && p.type === 'preset'
    ? { ...p, append: undefined }
    : p;
}

function appendOf(o: Options): string | undefined {
  const p = o.systemPrompt;
  return p && typeof p === 'object' && !Array.isArray(p) && p.type === 'preset' ? p.append : undefined;
}

/** What starting the CLI depends on, as comparable JSON: values as they are, callbacks by shape. */
export function hostKey(o: Options): string {
  const servers = Object.fromEntries(
    Object.entries(o.mcpServers ?? {}).map(([name, cfg]) => {
      const p = sdkServerParams(cfg);
      if (!p) return [name, cfg.type === 'sdk' ? { type: 'sdk', unknown: name } : cfg];
      const { tools, ...rest } = p;
      return [name, { ...rest, tools: (tools ?? []).map((t) => [t.name, t.description]) }];
    }),
  );
  const hooks = Object.fromEntries(
    Object.entries(o.hooks ?? {}).map(([event, ms]) => [
      event,
      (ms ?? []).map((m) => [m.matcher ?? '', m.hooks.length, m.timeout ?? 0]),
    ]),
  );
  return JSON.stringify(
    {
      ...withoutClaimed(o),
      systemPrompt: hostSystemPrompt(o.systemPrompt),
      mcpServers: servers,
      hooks,
      sessionStore: o.sessionStore ? 'set' : undefined,
      stderr: undefined,
    },
    (_k, v: unknown) => (typeof v === 'function' ? 'fn' : v),
  );
}

/** Hook callbacks that call the bound options' callback at the same place. */
function forwardHooks(hooks: Hooks, target: () => Hooks): Hooks {
  const out: Record<string, HookCallbackMatcher[]> = {};
  for (const [event, matchers] of Object.entries(hooks)) {
    out[event] = (matchers ?? []).map((m, mi) => ({
      ...m,
      hooks: m.hooks.map((_h, hi) => (...args: Parameters<typeof _h>) => {
        const real = target()[event as keyof Hooks]?.[mi]?.hooks[hi];
        if (!real) throw new Error(`no ${event} hook at ${mi}/${hi} in the claimed options`);
        return real(...args);
      }),
    }));
  }
  return out;
}

/** In-process servers rebuilt with handlers that call the bound options' server's tool. */
function forwardServers(
  servers: Record<string, McpServerConfig>,
  target: () => Options,
): Record<string, McpServerConfig> | undefined {
  const out: Record<string, McpServerConfig> = {};
  for (const [name, cfg] of Object.entries(servers)) {
    if (cfg.type !== 'sdk') {
      out[name] = cfg;
      continue;
    }
    const params = sdkServerParams(cfg);
    if (!params) return undefined;
    out[name] = sdkServer({
      ...params,
      tools: (params.tools ?? []).map((t) => ({
        ...t,
        handler: (args: never, extra: unknown) => {
          const real = sdkServerParams(target().mcpServers?.[name] ?? ({} as McpServerConfig))?.tools?.find(
            (r) => r.name === t.name,
          );
          if (!real) throw new Error(`no tool ${t.name} on the claimed ${name} server`);
          return (real.handler as ToolHandler)(args, extra);
        },
      })) as typeof params.tools,
    });
  }
  return out;
}

/** An object whose methods call the same method on the bound object. */
function forwardObject<T extends object>(shape: T, target: () => T | undefined): T {
  return new Proxy(shape, {
    get(obj, prop) {
      const v = Reflect.get(obj, prop) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const real = target() as Record<PropertyKey, unknown> | undefined;
        const fn = real?.[prop];
        if (typeof fn !== 'function') throw new Error(`the claimed session store has no ${String(prop)}`);
        return (fn as (...a: unknown[]) => unknown).apply(real, args);
      };
    },
  });
}
