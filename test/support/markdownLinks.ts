import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A relative link in a Markdown file that leads nowhere: its target file is missing, or the heading it names. */
export interface BrokenLink {
  file: string;
  line: number;
  target: string;
  reason: string;
}

/**
 * GitHub's heading anchors: lower case, everything but letters, digits, spaces, `-` and `_` dropped, spaces as `-`;
 * a repeated heading gets `-1`, `-2`… (the same rule github-slugger implements).
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line.text);
    if (!heading) continue;
    const base = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Lines outside fenced code blocks, with their 1-based numbers: links and headings in code are only text. */
function proseLines(markdown: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  let fenced = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*```/.test(text)) fenced = !fenced;
    else if (!fenced) out.push({ text, line: i + 1 });
  });
  return out;
}

/** Inline links `[text](target)` outside code spans; absolute URLs and mail addresses are not checked. */
function relativeLinks(text: string): string[] {
  const withoutCode = text.replace(/`[^`]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/**
 * Every relative link of `file` whose target file, or heading within a Markdown target, does not exist; links are
 * resolved from `base` (the file's own folder unless given).
 */
export function brokenLinks(file: string, base = dirname(file)): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const { text, line } of proseLines(readFileSync(file, 'utf8'))) {
    for (const target of relativeLinks(text)) {
      const [path, anchor] = target.split('#', 2);
      const resolved = path ? resolve(base, decodeURI(path)) : file;
      if (!existsSync(resolved)) {
        broken.push({ file, line, target, reason: `no file ${resolved}` });
        continue;
      }
      if (anchor === undefined || !resolved.endsWith('.md') || statSync(resolved).isDirectory()) continue;
      if (!headingAnchors(readFileSync(resolved, 'utf8')).has(anchor))
        broken.push({ file, line, target, reason: `no heading #${anchor} in ${resolved}` });
    }
  }
  return broken;
}

/** Mentions of `docs/….md` or `docs/….md#heading` in a source file (comments, messages) whose file or heading is missing. */
export function brokenDocReferences(file: string, root: string): BrokenLink[] {
  const broken: BrokenLink[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      for (const [target, path, anchor] of text.matchAll(/\b(docs\/[\w.-]+\.md)(?:#([\w-]+))?/g)) {
        const resolved = resolve(root, path);
        if (!existsSync(resolved)) broken.push({ file, line: i + 1, target, reason: `no file ${resolved}` });
        else if (anchor !== undefined && !headingAnchors(readFileSync(resolved, 'utf8')).has(anchor))
          broken.push({ file, line: i + 1, target, reason: `no heading #${anchor} in ${resolved}` });
      }
    });
  return broken;
}
