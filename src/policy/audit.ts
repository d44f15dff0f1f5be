/**
 * One short line per tool call for the job log and the audit table: the file path, the command
 * (80 characters at most), the pattern or the URL. Always a single line.
 */

const MAX = 80;

function oneLine(s: string): string {
  // Newlines become ⏎ so a multi-line command still reads as one log line; other control
  // characters become spaces.
  let out = '';
  for (const ch of s.replace(/\r?\n/g, ' ⏎ ')) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? ' ' : ch;
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

function clip(s: string, max = MAX): string {
  const line = oneLine(s);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function summarizeInput(toolName: string, input: Record<string, unknown> | null | undefined): string {
  const i = input ?? {};
  switch (toolName) {
    case 'Read':
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
      return clip(str(i.file_path) ?? '(no path)');
    case 'NotebookEdit':
      return clip(str(i.notebook_path) ?? '(no path)');
    case 'LS':
      return clip(str(i.path) ?? '.');
    case 'Glob':
      return clip(`${str(i.pattern) ?? '(no pattern)'}${str(i.path) ? ` in ${str(i.path)}` : ''}`);
    case 'Grep': {
      const where = [str(i.path) ? `in ${str(i.path)}` : '', str(i.glob) ? `(${str(i.glob)})` : '']
        .filter(Boolean)
        .join(' ');
      return clip(`${str(i.pattern) ?? '(no pattern)'}${where ? ` ${where}` : ''}`);
    }
    case 'Bash':
      return clip(str(i.command) ?? '(no command)');
    case 'WebFetch':
      return clip(str(i.url) ?? '(no url)');
    case 'WebSearch':
      return clip(str(i.query) ?? '(no query)');
    case 'Task':
    case 'Agent':
      return clip([str(i.subagent_type), str(i.description)].filter(Boolean).join(': ') || '(subagent)');
    case 'TodoWrite':
      return Array.isArray(i.todos) ? `${i.todos.length} todo${i.todos.length === 1 ? '' : 's'}` : 'todos';
    default: {
      const parts: string[] = [];
      for (const [k, v] of Object.entries(i)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
          parts.push(`${k}=${String(v)}`);
        if (parts.join(' ').length > MAX) break;
      }
      return clip(parts.join(' '));
    }
  }
}
