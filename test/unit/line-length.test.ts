import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');
const FOLDERS = ['src', 'activities', 'workflows', 'test', 'bench', 'scripts'];
const MAX = 120;

/**
 * Lines that may stay longer: the file, a fragment of the line and the reason. Empty: every long
 * line left is a regex literal or a test title, which the check below allows by itself.
 */
const ALLOWED: { file: string; contains: string; why: string }[] = [];

/** Comments that name documents kept outside the repository instead of giving the reason. */
const OUTSIDE_DOCUMENTS =
  /postgres-notes|temporal-(facts|notes)|shared\/(docs|seeds)|\bseeds?\s*0\d\d|\bseed'?s?\s+order\b|\bthe seed'?s?\b|\b(style|product|architecture)\.md\b/i;

/** The tracked .ts and .js files of the source folders (every such file when there is no git checkout). */
function sourceFiles(): string[] {
  const wanted = (f: string) => /\.(ts|js)$/.test(f) && FOLDERS.some((d) => f.startsWith(`${d}/`));
  try {
    return execFileSync('git', ['ls-files', '-z', ...FOLDERS], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter(wanted);
  } catch {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.name === 'node_modules' || e.name.startsWith('.')
          ? []
          : e.isDirectory()
            ? walk(join(dir, e.name))
            : [relative(ROOT, join(dir, e.name))],
      );
    return FOLDERS.flatMap((d) => walk(join(ROOT, d))).filter(wanted);
  }
}

/** The first argument of it(), describe() or test(), also when it is a sum of strings. */
function isTitle(n: ts.Node): boolean {
  let arg = n;
  while (
    ts.isParenthesizedExpression(arg.parent) ||
    (ts.isBinaryExpression(arg.parent) && arg.parent.operatorToken.kind === ts.SyntaxKind.PlusToken)
  )
    arg = arg.parent;
  const call = arg.parent;
  return (
    ts.isCallExpression(call) &&
    call.arguments[0] === arg &&
    /^(it|describe|test)(\.(each|skip|only|concurrent))?$/.test(call.expression.getText())
  );
}

/** Zero-based lines that a regex literal or a test title touches, and the text of every comment. */
function scan(file: string, text: string): { exempt: Set<number>; comments: { line: number; text: string }[] } {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
  const exempt = new Set<number>();
  const visit = (n: ts.Node): void => {
    const literal = ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateExpression(n);
    if (ts.isRegularExpressionLiteral(n) || (literal && isTitle(n)))
      for (let l = lineOf(n.getStart(sf)); l <= lineOf(n.end); l++) exempt.add(l);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  const comments: { line: number; text: string }[] = [];
  const seen = new Set<number>();
  const collect = (n: ts.Node): void => {
    for (const r of [
      ...(ts.getLeadingCommentRanges(text, n.pos) ?? []),
      ...(ts.getTrailingCommentRanges(text, n.end) ?? []),
    ])
      if (!seen.has(r.pos)) {
        seen.add(r.pos);
        comments.push({ line: lineOf(r.pos) + 1, text: text.slice(r.pos, r.end) });
      }
    ts.forEachChild(n, collect);
  };
  collect(sf);
  // Comments after the last token (none is attached to a node).
  for (const r of ts.getLeadingCommentRanges(text, sf.endOfFileToken.pos) ?? [])
    if (!seen.has(r.pos)) comments.push({ line: lineOf(r.pos) + 1, text: text.slice(r.pos, r.end) });
  return { exempt, comments };
}

/** The lines over MAX characters that nothing allows, as `path:line: text`. */
function longLines(file: string, text: string): string[] {
  const { exempt } = scan(file, text);
  return text
    .split('\n')
    .flatMap((line, i) =>
      [...line].length <= MAX || exempt.has(i) || ALLOWED.some((a) => a.file === file && line.includes(a.contains))
        ? []
        : [`${file}:${i + 1}: ${line.trim().slice(0, 80)}…`],
    );
}

describe('source lines', () => {
  const files = sourceFiles();

  it('finds the source files', () => {
    expect(files).toEqual(
      expect.arrayContaining(['src/main.ts', 'workflows/healing-attempt.ts', 'scripts/bootstrap.js']),
    );
    expect(files.length).toBeGreaterThan(100);
  });

  it(`are at most ${MAX} characters, except regex literals, test titles and the listed exceptions`, () => {
    const long = files.flatMap((file) => longLines(file, readFileSync(join(ROOT, file), 'utf8')));
    expect(long).toEqual([]);
  });

  it('have comments that give their reasons without citing documents outside the repository', () => {
    const citing: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const c of scan(file, text).comments)
        if (OUTSIDE_DOCUMENTS.test(c.text)) citing.push(`${file}:${c.line}: ${c.text.slice(0, 100)}`);
    }
    expect(citing).toEqual([]);
  });

  it('recognises a citation in a comment and allows a regex literal and a test title', () => {
    const sample = [
      '// as postgres-notes says',
      "it('a title' + ' that is long', () => {});",
      `const re = /${'x'.repeat(130)}/;`,
      "const s = 'the seed order'; // a string, not a comment",
    ].join('\n');
    const { exempt, comments } = scan('sample.ts', sample);
    expect(comments.map((c) => OUTSIDE_DOCUMENTS.test(c.text))).toEqual([true, false]);
    expect([...exempt].sort()).toEqual([1, 2]);
    const long = `const s = '${'y'.repeat(120)}';`;
    expect(longLines('sample.ts', `${sample}\n${long}`)).toEqual([`sample.ts:5: ${long.slice(0, 80)}…`]);
  });
});
