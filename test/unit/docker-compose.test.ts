import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';

const ROOT = resolve(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  command?: string[] | string;
}

/** No Docker engine runs here, so the compose file is checked by reading it. */
describe('docker-compose.yml', () => {
  const doc = parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
  const s = doc.services;

  it('has Temporal with PostgreSQL persistence, its UI, the monitored PostgreSQL and the worker', () => {
    expect(Object.keys(s).sort()).toEqual([
      'database',
      'temporal',
      'temporal-db',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
    expect(s.temporal!.image).toBe('temporalio/auto-setup:1.29.1');
    expect(s.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'temporal-db' });
    expect(s['temporal-db']!.image).toMatch(/^postgres:/);
    expect(s['temporal-ui']!.image).toBe('temporalio/ui:2.42.1');
    expect(s.database!.image).toBe('postgres:15');
  });

  it('publishes the Temporal frontend, the UI and PostgreSQL on known ports', () => {
    expect(s.temporal!.ports).toContain('7233:7233');
    expect(s['temporal-ui']!.ports).toContain('8080:8080');
    expect(s.database!.ports).toContain('54329:5432');
  });

  it('points the worker and the UI at the services by name, with consistent credentials', () => {
    const env = s.worker!.environment!;
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(s['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
    const url = new URL(env.DATABASE_URL!);
    expect(url.hostname).toBe('database');
    expect(url.username).toBe(s.database!.environment!.POSTGRES_USER);
    expect(url.password).toBe(s.database!.environment!.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${s.database!.environment!.POSTGRES_DB}`);
    expect(s.temporal!.environment!.POSTGRES_PWD).toBe(s['temporal-db']!.environment!.POSTGRES_PASSWORD);
  });

  it('registers every search attribute the workflows set', () => {
    const cmd = ([] as string[]).concat(s['temporal-setup']!.command ?? []).join(' ');
    for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(cmd).toContain(name);
  });

  it('depends only on services it defines, and builds the worker from a Dockerfile that runs the production worker', () => {
    for (const svc of Object.values(s))
      for (const dep of Object.keys(svc.depends_on ?? {})) expect(Object.keys(s)).toContain(dep);
    const build = s.worker!.build!;
    const dockerfile = readFileSync(resolve(ROOT, build.context, build.dockerfile), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    const parts = JSON.parse(cmd![1]!) as string[];
    for (const part of parts) if (part.includes('/')) expect(existsSync(resolve(ROOT, part))).toBe(true);
    // `selfheal worker`, never the embedded dev stack, which creates demo tables in the database it finds.
    expect(parts.slice(-2)).toEqual(['src/cli/main.ts', 'worker']);
    expect(parts).not.toContain('src/main.ts');
  });
});
