// Extracts the shell commands the documentation shows: lines of ```sh / ```bash / ```console
// blocks (after a `$ ` prompt when the block has prompts) and inline code spans that start with
// a command this repository documents (`pnpm`, `npx`, `npm`, `mcp-auth`). Chains (`&&`, `||`,
// `;`, `|`) and `$(…)` substitutions are split into single commands; `VAR=value` prefixes and
// trailing `# comments` are dropped.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One command as written in a Markdown file. */
export interface DocCommand {
  /** Repository-relative path of the Markdown file. */
  readonly file: string;
  /** 1-based line where the command (or its code block line) starts. */
  readonly line: number;
  /** The words, quotes removed (`'{"a":1}'` → `{"a":1}`). */
  readonly words: readonly string[];
  /** The command as written (for messages). */
  readonly text: string;
  /** In a shell code block (false: an inline code span in prose). */
  readonly block: boolean;
}

const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);
const COMMAND_WORDS = /^(pnpm|npx|npm|mcp-auth)\s/;

/** The documentation files whose commands must run: READMEs, CONTRIBUTING, docs/, bench/. */
export function documentationFiles(root: string): string[] {
  const files = ['README.md', 'CONTRIBUTING.md', 'bench/README.md'];
  for (const f of readdirSync(join(root, 'docs'))) if (f.endsWith('.md')) files.push(`docs/${f}`);
  for (const dir of ['packages', 'examples']) {
    for (const d of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      try {
        readFileSync(join(root, dir, d.name, 'README.md'));
        files.push(`${dir}/${d.name}/README.md`);
      } catch {
        // no README in this package
      }
    }
  }
  return files;
}

/** Splits a command line into words as a POSIX shell would, for the simple lines docs hold. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Splits on `&&`, `||`, `;` and `|` outside quotes, and pulls out `$(…)` substitutions. */
export function splitChain(line: string): string[] {
  const parts: string[] = [];
  let rest = line;
  // $(…) without nesting: the inner command is its own command; the outer keeps a placeholder.
  rest = rest.replace(/\$\(([^()]*)\)/g, (_m, inner: string) => {
    parts.push(...splitChain(inner));
    return 'SUBSTITUTION';
  });
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i] as string;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === '\\' && i + 1 < rest.length) {
      current += ch + rest[++i];
    } else if (ch === ';' || ch === '|' || (ch === '&' && rest[i + 1] === '&')) {
      if (rest[i + 1] === ch) i++;
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      return line.slice(0, i);
    }
  }
  return line;
}

const REDIRECTION = /^(\d?>>?|<|&>|\d?>&\d)$/;

/** The words without shell redirections (`>> .env`, `2>&1`, `< in.json`). */
function withoutRedirections(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (!REDIRECTION.test(word)) out.push(word);
    else if (!/&\d$/.test(word)) i++; // its target (`2>&1` has none)
  }
  return out;
}

function toCommands(file: string, line: number, text: string, block: boolean): DocCommand[] {
  const out: DocCommand[] = [];
  for (const part of splitChain(stripComment(text))) {
    const words = withoutRedirections(shellWords(part));
    while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] ?? '')) words.shift();
    while (words[0] === 'export') words.shift();
    if (words.length === 0 || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] ?? '')) continue;
    out.push({ file, line, words, text: part, block });
  }
  return out;
}

/** Every command shown in one Markdown document. */
export function extractCommands(file: string, markdown: string): DocCommand[] {
  const lines = markdown.split(/\r?\n/);
  const commands: DocCommand[] = [];
  const prose: { line: number; text: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s{0,3}(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i] ?? '');
    if (!fence) {
      prose.push({ line: i + 1, text: lines[i] ?? '' });
      continue;
    }
    const marker = fence[1] as string;
    const lang = (fence[2] ?? '').toLowerCase();
    const body: { line: number; text: string }[] = [];
    for (i++; i < lines.length && !(lines[i] ?? '').trimStart().startsWith(marker); i++) {
      body.push({ line: i + 1, text: lines[i] ?? '' });
    }
    if (!SHELL_LANGS.has(lang)) continue;
    const prompted = body.some((b) => b.text.startsWith('$ '));
    for (let b = 0; b < body.length; b++) {
      const first = body[b] as { line: number; text: string };
      if (prompted && !first.text.startsWith('$ ')) continue;
      let text = prompted ? first.text.slice(2) : first.text;
      while (/\\\s*$/.test(text) && b + 1 < body.length) {
        b++;
        text = `${text.replace(/\\\s*$/, ' ')}${(body[b] as { text: string }).text.trim()}`;
      }
      if (text.trim().startsWith('#')) continue;
      commands.push(...toCommands(file, first.line, text, true));
    }
  }
  // Inline code spans in prose; a span may continue on the next line of its paragraph.
  const joined = prose.map((p) => p.text).join('\n');
  const span = /(?<!`)`([^`]+)`(?!`)/g;
  for (const m of joined.matchAll(span)) {
    const text = (m[1] as string).replace(/\s*\n\s*/g, ' ');
    if (!COMMAND_WORDS.test(text)) continue;
    const before = joined.slice(0, m.index).split('\n').length - 1;
    commands.push(...toCommands(file, prose[before]?.line ?? 0, text, false));
  }
  return commands;
}
