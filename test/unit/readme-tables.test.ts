import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROBLEM_CLASS_NAMES, problemClassNameSchema } from '../../src/domain/problem-class';
import { SANDBOX_LEVELS } from '../../src/domain/strategy-descriptor';
import { selectStrategy, STRATEGIES } from '../../src/strategies/registry';

/** The README's tables are what operators read to decide what to allow: they must say what the registry does. */
const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** Rows of the markdown table whose header starts with `first`, as trimmed cells. */
function tableRows(first: string): string[][] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${first} |`));
  if (start < 0) throw new Error(`README has no table headed "${first}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const names = (cell: string): string[] => [...cell.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
const className = (cell: string): string | undefined => /`([A-Za-z]+)`/.exec(cell)?.[1];

describe('README tables match the strategy registry', () => {
  const strategies = tableRows('strategy');

  it('lists every strategy once, and nothing else', () => {
    expect(strategies.map((r) => names(r[0]!)[0]).sort()).toEqual(STRATEGIES.map((s) => s.name).sort());
  });

  it.each(STRATEGIES.map((s) => [s.name, s] as const))(
    '%s: impact, reversibility, approval default and strongest sandbox level',
    (name, s) => {
      const row = strategies.find((r) => names(r[0]!)[0] === name)!;
      const [, impact, reversible, approval, sandbox] = row;
      expect(Number(impact)).toBe(s.impact);
      expect(reversible!.startsWith(s.reversible ? 'yes' : 'no')).toBe(true);
      expect(approval!.replace(/\*/g, '').startsWith(s.requires_approval ? 'yes' : 'no')).toBe(true);
      const strongest = SANDBOX_LEVELS.find((l) => s.sandbox_levels.includes(l))!;
      expect(sandbox!.split(' ')[0]).toBe(strongest.replace('_', '-'));
      // A temporary strategy's change is restored by its hold: the table says so, and only for those.
      expect(reversible!.includes('temporary')).toBe(s.temporary === true);
    },
  );

  it('lists every class once, each with the strategies that handle it in the order selection considers them (first choice first)', () => {
    const classes = tableRows('class');
    expect(classes.map(([cls]) => className(cls!)).sort()).toEqual([...PROBLEM_CLASS_NAMES].sort());
    for (const [cls, , strategyCell] of classes) {
      const name = problemClassNameSchema.parse(className(cls!));
      const considered = selectStrategy(name, { max_auto_heal_impact: 1 }, {}).considered.map((c) => c.name);
      expect([name, names(strategyCell!)]).toEqual([name, considered]);
    }
  });
});
