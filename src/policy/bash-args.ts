/**
 * Arguments of allowed commands (defence in depth; the CLI sandbox is the boundary). An allowed
 * prefix such as `npm test` or `git diff` is widened by its options: `--node-options` runs any
 * JavaScript, `git diff --no-index /etc/x` reads any file, `git log --output=.git/hooks/pre-push`
 * writes a hook. Such option forms are refused, and path-like arguments must stay in the checkout.
 * The wrappers `env`, `nice`, `nohup`, `timeout` and `xargs` are judged by the command they run.
 */
import { resolveInWorkspace, type PathContext } from './paths';

export type Refusal = { ok: false; reason: string; rule: string };
export type ArgVerdict = { ok: true } | Refusal;

const refuse = (reason: string, rule = 'bash:argument'): Refusal => ({
  ok: false,
  reason: `Bash: ${reason}`,
  rule,
});

/** A word is the option `name`, or `name=value`, or (for one-letter options) `-Xvalue`. */
function isOption(word: string, names: readonly string[]): boolean {
  return names.some(
    (n) =>
      word === n ||
      (n.startsWith('--')
        ? word.startsWith(`${n}=`)
        : word.startsWith(n) && n.length === 2 && word.length > 2 && !word.startsWith('--')),
  );
}

/** The value of `name value` / `name=value` / `-Xvalue` at words[i], and how many words it took. */
function optionValue(words: readonly string[], i: number, name: string): { value?: string; used: number } {
  const w = words[i] as string;
  if (w === name) return { value: words[i + 1], used: 2 };
  if (w.startsWith(`${name}=`)) return { value: w.slice(name.length + 1), used: 1 };
  return { value: w.slice(name.length), used: 1 };
}

export type Unwrapped = { ok: true; words: string[]; wrappers: string[] } | Refusal;

/**
 * Strip the wrappers that only run another command, with their own options, so the command they
 * wrap is what gets judged. Forms that change the environment or read the command from elsewhere
 * are refused.
 */
export function unwrap(input: readonly string[]): Unwrapped {
  let words = [...input];
  const wrappers: string[] = [];
  for (let guard = 0; guard < 8; guard++) {
    const first = words[0] ?? '';
    const name = first.includes('/') ? first.slice(first.lastIndexOf('/') + 1) : first;
    let i = 1;
    if (name === 'env') {
      for (; i < words.length; i++) {
        const w = words[i] as string;
        if (w === '--') {
          i++;
          break;
        }
        if (w === '-i' || w === '--ignore-environment') continue;
        if (w === '-u' || w === '--unset') {
          i++;
          continue;
        }
        if (w.startsWith('-')) return refuse(`\`env ${w}\` is not allowed`, 'bash:wrapper');
        if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w))
          return refuse(
            `\`env ${w.split('=')[0]}=…\` sets environment variables and is not allowed`,
            'bash:assignment',
          );
        break;
      }
    } else if (name === 'nice') {
      for (; i < words.length; i++) {
        const w = words[i] as string;
        if (w === '-n' || w === '--adjustment') i++;
        else if (/^-(-adjustment=)?-?\d+$/.test(w) || /^-n-?\d+$/.test(w)) continue;
        else break;
      }
    } else if (name === 'nohup') {
      if (words[1] === '--') i = 2;
    } else if (name === 'timeout') {
      for (; i < words.length; i++) {
        const w = words[i] as string;
        if (w === '-s' || w === '--signal' || w === '-k' || w === '--kill-after') i++;
        else if (
          /^(--preserve-status|--foreground|-v|--verbose|--signal=.*|--kill-after=.*|-s.+|-k.+)$/.test(w)
        )
          continue;
        else break;
      }
      if (!/^\d+(\.\d+)?[smhd]?$/.test(words[i] ?? ''))
        return refuse('`timeout` needs a duration before the command', 'bash:wrapper');
      i++;
    } else if (name === 'xargs') {
      for (; i < words.length; i++) {
        const w = words[i] as string;
        if (['-0', '--null', '-r', '--no-run-if-empty', '-t', '--verbose', '-x', '--exit'].includes(w))
          continue;
        if (
          [
            '-n',
            '-L',
            '-P',
            '-d',
            '-s',
            '-E',
            '--max-args',
            '--max-lines',
            '--max-procs',
            '--delimiter',
            '--max-chars',
            '--eof',
          ].includes(w)
        ) {
          i++;
          continue;
        }
        if (/^(-[nLPdsE].+|--(max-args|max-lines|max-procs|delimiter|max-chars|eof)=.*)$/.test(w)) continue;
        if (w.startsWith('-'))
          return refuse(`\`xargs ${w}\` is not allowed (only -0 -r -t -x -n -L -P -d -s -E)`, 'bash:wrapper');
        break;
      }
    } else {
      return { ok: true, words, wrappers };
    }
    if (i >= words.length) return refuse(`\`${name}\` without a command is not allowed`, 'bash:wrapper');
    wrappers.push(name);
    words = words.slice(i);
  }
  return refuse('too many nested wrappers', 'bash:wrapper');
}

const NODE_PMS = new Set(['npm', 'pnpm', 'yarn', 'bun']);
const PM_OPTIONS = [
  '--node-options',
  '--prefix',
  '--script-shell',
  '--userconfig',
  '--globalconfig',
  '--dir',
  '--cwd',
  '--workspace-root',
  '--shell-emulator',
  '--require',
  '--preload',
  '-r',
  '-C',
];
/** Runners that fetch and run any package: only with an allowed prefix naming the package. */
const PACKAGE_RUNNERS = [
  ['npx'],
  ['pnpx'],
  ['bunx'],
  ['yarn', 'dlx'],
  ['pnpm', 'dlx'],
  ['npm', 'exec'],
  ['pnpm', 'exec'],
  ['bun', 'x'],
];
const RUNNER_OPTIONS = ['--package', '-p', '--call', '-c', '--node-options', '--prefix', '--userconfig'];

const GIT_GLOBAL = [
  '-c',
  '--config-env',
  '--exec-path',
  '--git-dir',
  '--work-tree',
  '--namespace',
  '-C',
  '--super-prefix',
  '--list-cmds',
];
const GIT_ANY = [
  '--exec-path',
  '--git-dir',
  '--work-tree',
  '--output',
  '--no-index',
  '--upload-pack',
  '--receive-pack',
  '--exec',
  '--template',
  '--config',
  '--open-files-in-pager',
  '--extcmd',
  '--ext-diff',
  '--separate-git-dir',
];
/** Subcommand options that run a program: git <sub> <option>. */
const GIT_SUB: Record<string, string[]> = {
  grep: ['-O'],
  rebase: ['-x'],
  difftool: ['-x', '-t', '--tool'],
  mergetool: ['-t', '--tool'],
  clone: ['-u'],
  fetch: [],
  'ls-remote': [],
  archive: ['--remote'],
};
const GIT_REFUSED_SUBCOMMANDS: Record<string, string> = {
  'submodule foreach': 'runs a command in every submodule',
  'bisect run': 'runs a command',
  filter: 'runs commands',
  'filter-branch': 'runs commands',
};

function judgeGit(words: readonly string[]): ArgVerdict {
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i] as string;
    if (!w.startsWith('-')) break;
    if (isOption(w, GIT_GLOBAL))
      return refuse(
        `\`git ${w.split('=')[0]}\` changes git's configuration or repository and is not allowed`,
      );
  }
  const sub = words[i] ?? '';
  const rest = words.slice(i + 1);
  const two = `${sub} ${rest.find((w) => !w.startsWith('-')) ?? ''}`;
  for (const [form, why] of Object.entries(GIT_REFUSED_SUBCOMMANDS)) {
    if (sub === form || two === form) return refuse(`\`git ${form}\` ${why} and is not allowed`);
  }
  for (const w of rest) {
    if (w === '--') break;
    if (isOption(w, GIT_ANY))
      return refuse(
        `\`git ${sub} ${w.split('=')[0]}\` can run programs or touch files outside the checkout and is not allowed`,
      );
    if (isOption(w, GIT_SUB[sub] ?? []))
      return refuse(`\`git ${sub} ${w.slice(0, 2)}\` runs a program and is not allowed`);
  }
  return { ok: true };
}

function judgeMake(words: readonly string[], ctx: PathContext): ArgVerdict {
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    if (isOption(w, ['--eval', '-E']))
      return refuse('`make --eval` runs a makefile fragment and is not allowed');
    for (const opt of ['-f', '--file', '--makefile', '-C', '--directory', '-I', '--include-dir']) {
      if (!isOption(w, [opt])) continue;
      const { value, used } = optionValue(words, i, opt);
      const v = resolveInWorkspace(value ?? '', ctx, 'Bash');
      if (!v.ok)
        return refuse(`\`make ${opt}\` must name a path in the checkout: ${v.reason.replace(/^Bash: /, '')}`);
      i += used - 1;
      break;
    }
  }
  return { ok: true };
}

/** An absolute, home-relative or climbing path, alone or as an option's value. */
function pathLike(word: string): string | undefined {
  const value = /^--?[A-Za-z][\w-]*=(.*)$/.exec(word)?.[1] ?? word;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined; // a URL
  if (value.startsWith('/') || value.startsWith('~') || value.split(/[/\\]/).includes('..')) return value;
  return undefined;
}

const SAFE_DEVICES = new Set(['/dev/null', '/dev/stdin', '/dev/stdout', '/dev/stderr']);

/**
 * Judge the arguments of an allowed command (already unwrapped). `prefix` is the allowed prefix
 * it matched: a package runner is refused when the prefix does not name the package.
 */
export function judgeArguments(
  words: readonly string[],
  prefix: readonly string[],
  ctx: PathContext,
): ArgVerdict {
  const name = words[0] ?? '';
  for (const runner of PACKAGE_RUNNERS) {
    if (!runner.every((r, k) => words[k] === r)) continue;
    if (prefix.length <= runner.length)
      return refuse(
        `\`${runner.join(' ')}\` runs any package; allow it with the package named (e.g. \`${runner.join(' ')} prettier\`)`,
      );
    const opt = words.slice(runner.length).find((w) => isOption(w, RUNNER_OPTIONS));
    if (opt) return refuse(`\`${runner.join(' ')} ${opt.split('=')[0]}\` runs other code and is not allowed`);
  }
  if (NODE_PMS.has(name)) {
    const opt = words.slice(1).find((w) => isOption(w, PM_OPTIONS));
    if (opt)
      return refuse(
        `\`${name} ${opt.split('=')[0]}\` runs other code or uses files outside the checkout and is not allowed`,
      );
  }
  if (name === 'node' || name === 'deno' || name === 'bun') {
    const opt = words
      .slice(1)
      .find((w) =>
        isOption(w, [
          '-e',
          '--eval',
          '-p',
          '--print',
          '--import',
          '--require',
          '-r',
          '--loader',
          '--experimental-loader',
        ]),
      );
    if (opt)
      return refuse(`\`${name} ${opt.split('=')[0]}\` runs code from its arguments and is not allowed`);
  }
  if (name === 'git') {
    const v = judgeGit(words);
    if (!v.ok) return v;
  }
  if (name === 'make' || name === 'gmake') {
    const v = judgeMake(words, ctx);
    if (!v.ok) return v;
  }
  for (const w of words.slice(1)) {
    const p = pathLike(w);
    if (p === undefined || SAFE_DEVICES.has(p)) continue;
    const v = resolveInWorkspace(p, ctx, 'Bash');
    if (!v.ok)
      return refuse(
        `argument \`${w.length > 80 ? `${w.slice(0, 79)}…` : w}\` is refused: ${v.reason.replace(/^Bash: /, '')}`,
        'bash:path',
      );
  }
  return { ok: true };
}
