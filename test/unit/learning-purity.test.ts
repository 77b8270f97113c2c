import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const DIR = resolve(__dirname, '..', '..', 'src', 'learning');
const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

describe('src/learning', () => {
  it('has its modules', () => {
    expect(files).toEqual(expect.arrayContaining(['choose-strategy.ts', 'bandit-model.ts', 'reward.ts']));
  });

  it('imports only zod, src/domain and itself: workflow code runs it on replay', () => {
    const offences: string[] = [];
    for (const f of files)
      for (const m of readFileSync(join(DIR, f), 'utf8').matchAll(/\bfrom\s+['"]([^'"]+)['"]/g))
        if (!(m[1] === 'zod' || m[1]!.startsWith('./') || m[1]!.startsWith('../domain/')))
          offences.push(`${f}: ${m[1]}`);
    expect(offences).toEqual([]);
  });

  it('reads no clock and draws no randomness of its own', () => {
    const offences = files.filter((f) =>
      /Date\.now|new Date\(|Math\.random|performance\.|process\.|crypto\./.test(readFileSync(join(DIR, f), 'utf8')),
    );
    expect(offences).toEqual([]);
  });
});
