/**
 * Renders the agent's messages to the job log as they arrive: one short line per tool use
 * (`▸ Read src/app.ts`), its outcome (ok / error / denied, size, time), and the assistant's text.
 * Long details go into collapsible groups. Nothing waits for the end of the run.
 */
import path from 'node:path';
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { ToolCallRecord } from '../agent/outcome';

export interface LogSink {
  info(line: string): void;
  startGroup(title: string): void;
  endGroup(): void;
}

type Block = { type: string; [k: string]: unknown };

const MAX_INLINE = 300;

export class LiveLog {
  readonly calls: ToolCallRecord[] = [];
  private byId = new Map<string, { rec: ToolCallRecord; started: number }>();
  private denied = new Map<string, string>();

  constructor(
    private sink: LogSink,
    private workspace: string,
    private redact: (s: string) => string = (s) => s,
  ) {}

  /** The policy reports denials here so the outcome line says `denied`, not `error`. */
  noteDenied(toolUseId: string, reason: string): void {
    this.denied.set(toolUseId, reason);
  }

  onMessage(msg: SDKMessage): void {
    switch (msg.type) {
      case 'system':
        if (msg.subtype === 'init') this.line(`Agent session ${msg.session_id} (model ${msg.model})`);
        else if (msg.subtype === 'api_retry') {
          const status = msg.error_status ?? 'connection error';
          this.line(
            `  … Anthropic API ${status}: retry ${msg.attempt}/${msg.max_retries} in ${msg.retry_delay_ms} ms`,
          );
        }
        break;
      case 'assistant':
        if (msg.parent_tool_use_id) break;
        for (const block of contentBlocks(msg.message)) this.assistantBlock(block);
        break;
      case 'user':
        for (const block of contentBlocks(msg.message))
          if (block.type === 'tool_result') this.toolResult(block);
        break;
      case 'result':
        this.line(
          // The cost is said once, in the step's last line (with this run's share of a resumed session).
          `■ ${msg.subtype === 'success' && !msg.is_error ? 'Finished' : `Ended (${msg.subtype === 'success' ? 'error' : msg.subtype})`} after ${msg.num_turns} turn${msg.num_turns === 1 ? '' : 's'}`,
        );
        break;
    }
  }

  private assistantBlock(block: Block): void {
    if (block.type === 'text' && typeof block.text === 'string' && block.text.trim()) {
      const text = block.text.trim();
      if (text.length <= MAX_INLINE && !text.includes('\n')) this.line(`💬 ${text}`);
      else {
        // The group's title is the first line; its body is the rest, so no line shows twice.
        const title = firstLine(text);
        const rest = text.slice(text.indexOf(title) + title.length).replace(/^\s*\n/, '');
        this.group(`💬 ${title}`, rest || text);
      }
    } else if (block.type === 'tool_use') {
      const id = String(block.id);
      const name = String(block.name);
      const input = (block.input ?? {}) as Record<string, unknown>;
      const rec: ToolCallRecord = {
        id,
        name,
        summary: summarizeToolInput(name, input, this.workspace),
        outcome: 'pending',
      };
      this.calls.push(rec);
      this.byId.set(id, { rec, started: Date.now() });
      this.line(`▸ ${displayName(name)} ${rec.summary}`.trimEnd());
    }
  }

  private toolResult(block: Block): void {
    const id = String(block.tool_use_id);
    const entry = this.byId.get(id);
    const text = resultText(block.content);
    const denial = this.denied.get(id);
    const outcome: ToolCallRecord['outcome'] = denial ? 'denied' : block.is_error === true ? 'error' : 'ok';
    const bytes = Buffer.byteLength(text);
    if (entry) {
      entry.rec.outcome = outcome;
      entry.rec.resultBytes = bytes;
      entry.rec.durationMs = Date.now() - entry.started;
      if (outcome !== 'ok') entry.rec.detail = firstLine(denial ?? text).slice(0, 200);
    }
    const took = entry ? ` ${entry.rec.durationMs} ms` : '';
    if (outcome === 'ok') this.line(`  ✓ ok ${formatBytes(bytes)}${took}`);
    else if (outcome === 'denied') this.line(`  ⊘ denied: ${firstLine(denial ?? text).slice(0, 200)}`);
    else this.line(`  ✗ error: ${firstLine(text).slice(0, 200)}`);
  }

  private line(s: string): void {
    this.sink.info(this.redact(s));
  }

  private group(title: string, body: string): void {
    this.sink.startGroup(this.redact(title));
    this.sink.info(this.redact(body));
    this.sink.endGroup();
  }
}

function contentBlocks(message: unknown): Block[] {
  const c = (message as { content?: unknown })?.content;
  return Array.isArray(c) ? (c as Block[]) : [];
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((b: Block) => (b.type === 'text' ? String(b.text) : `[${b.type}]`)).join('\n');
  }
  return '';
}

/** `mcp__relay__update_progress` → `relay.update_progress`. */
function displayName(name: string): string {
  const m = /^mcp__([^_]+(?:_[^_]+)*)__(.+)$/.exec(name);
  return m ? `${m[1]}.${m[2]}` : name;
}

export function summarizeToolInput(name: string, input: Record<string, unknown>, workspace: string): string {
  const rel = (p: unknown) => {
    if (typeof p !== 'string') return '';
    const r = path.isAbsolute(p) ? path.relative(workspace, p) : p;
    return r === '' ? '.' : r.startsWith('..') ? p : r;
  };
  const clip = (s: unknown, n = 80) => {
    const t = String(s ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    return t.length > n ? `${t.slice(0, n - 1)}…` : t;
  };
  switch (name) {
    case 'Read':
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
      return rel(input.file_path);
    case 'NotebookEdit':
      return rel(input.notebook_path);
    case 'Bash':
      return clip(input.command);
    case 'Grep':
      return `${clip(input.pattern, 60)}${input.path ? ` in ${rel(input.path)}` : ''}`;
    case 'Glob':
      return `${clip(input.pattern, 60)}${input.path ? ` in ${rel(input.path)}` : ''}`;
    case 'WebFetch':
      return clip(input.url);
    case 'WebSearch':
      return clip(input.query);
    default: {
      const first = Object.entries(input).find(([, v]) => typeof v === 'string' || typeof v === 'number');
      return first ? `${first[0]}=${clip(first[1], 60)}` : '';
    }
  }
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim();
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
