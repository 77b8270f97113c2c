import { terminalSink } from '../../src/cli/follow-attempt';
import { createFollowRenderer, progressBar, type FollowSnapshot } from '../../src/cli/follow-render';
import { describeProgress, parseProgress, type StrategyProgress } from '../../src/domain/strategy-progress';
import { createIndexProgress } from '../../src/probes/create-index-progress';

const reindex = (over: Partial<StrategyProgress> = {}): StrategyProgress => ({
  step: 'reindex',
  target: 'public.items_pkey',
  item: 1,
  items: 2,
  phase: 'building index: scanning table',
  done: 120,
  total: 480,
  unit: 'blocks',
  ...over,
});
const at = (phase: string) => ({ phase, at: '2026-01-01T10:00:00.000Z' });
const snap = (phases: string[], progress: StrategyProgress | null, attempt = 1): FollowSnapshot => ({
  attempt_id: 7,
  phases: phases.map(at),
  activity: { name: 'executeStrategy', attempt, progress },
});

describe('strategy progress', () => {
  it('is one shape: what the step does, on what, its phase and its count', () => {
    expect(describeProgress(reindex())).toBe(
      'reindex public.items_pkey (1 of 2): building index: scanning table, 120 of 480 blocks (25 %)',
    );
    expect(describeProgress({ step: 'move rows', done: 300, unit: 'rows moved' })).toBe('move rows: 300 rows moved');
    expect(describeProgress({ step: 'checkpoint' })).toBe('checkpoint');
  });

  it('reads back only what has that shape', () => {
    expect(parseProgress(reindex())).toEqual(reindex());
    expect(parseProgress({ step: 'start' })).toEqual({ step: 'start' });
    expect(parseProgress({ slice: 3 })).toBeNull();
    expect(parseProgress('fitting')).toBeNull();
    expect(parseProgress(null)).toBeNull();
  });

  it('counts what each CREATE INDEX / REINDEX phase counts (pg_stat_progress_create_index)', () => {
    const row = {
      blocks_total: 480,
      blocks_done: 120,
      tuples_total: 0,
      tuples_done: 0,
      lockers_total: 0,
      lockers_done: 0,
    };
    expect(createIndexProgress({ ...row, phase: 'building index: scanning table' })).toEqual({
      phase: 'building index: scanning table',
      done: 120,
      total: 480,
      unit: 'blocks',
    });
    expect(
      createIndexProgress({ ...row, phase: 'building index: loading tuples in tree', tuples_total: 9, tuples_done: 3 }),
    ).toMatchObject({ done: 3, total: 9, unit: 'tuples' });
    expect(
      createIndexProgress({ ...row, phase: 'waiting for writers before build', lockers_total: 2, lockers_done: 1 }),
    ).toMatchObject({ done: 1, total: 2, unit: 'sessions waited for' });
    expect(createIndexProgress({ ...row, phase: 'initializing', blocks_total: 0, blocks_done: 0 })).toEqual({
      phase: 'initializing',
    });
  });
});

describe('selfheal follow output', () => {
  it('a bar of the share done, or none when the step does not count', () => {
    expect(progressBar(reindex())).toBe('[#####---------------]  25 %');
    expect(progressBar(reindex({ done: 480 }))).toBe('[####################] 100 %');
    expect(progressBar({ step: 'checkpoint' })).toBeNull();
  });

  it('plain: each phase once, in order (quick ones too), and a progress line at each change', () => {
    const r = createFollowRenderer({ tty: false });
    expect(r.update(snap(['prepare', 'sense', 'classify'], null))).toEqual({
      lines: ['  phase: prepare', '  phase: sense', '  phase: classify'],
      status: null,
    });
    expect(r.update(snap(['prepare', 'sense', 'classify', 'gate', 'select', 'approval'], null)).lines).toEqual([
      '  phase: gate',
      '  phase: select',
      '  phase: approval (action 7: selfheal approve 7)',
    ]);
    const running = ['prepare', 'sense', 'classify', 'gate', 'select', 'approval', 'sandbox', 'execute'];
    expect(r.update(snap(running, reindex())).lines).toEqual([
      '  phase: sandbox',
      '  phase: execute',
      '  progress: reindex public.items_pkey (1 of 2): building index: scanning table, 120 of 480 blocks (25 %)',
    ]);
    // The same heartbeat seen again prints nothing; a new count does.
    expect(r.update(snap(running, reindex())).lines).toEqual([]);
    expect(r.update(snap(running, reindex({ done: 240 }), 2)).lines).toEqual([
      '  progress: reindex public.items_pkey (1 of 2): building index: scanning table, ' +
        '240 of 480 blocks (50 %) (try 2)',
    ]);
  });

  it('terminal: phases as lines, the running step as one status line with a bar, redrawn in place', () => {
    const r = createFollowRenderer({ tty: true, columns: 200 });
    expect(r.update(snap(['prepare', 'execute'], reindex()))).toEqual({
      lines: ['  phase: prepare', '  phase: execute'],
      status:
        '  [#####---------------]  25 % reindex public.items_pkey (1 of 2): building index: scanning table, ' +
        '120 of 480 blocks (25 %)',
    });
    expect(r.update(snap(['prepare', 'execute', 'cleanup'], null)).status).toBe('  running executeStrategy');
    expect(r.update({ attempt_id: 7, phases: [at('prepare')], activity: null })).toEqual({ lines: [], status: null });
    // Cut to the terminal's width.
    const narrow = createFollowRenderer({ tty: true, columns: 30 });
    expect(narrow.update(snap([], reindex())).status).toHaveLength(30);

    const chunks: string[] = [];
    const sink = terminalSink((c) => chunks.push(c));
    sink.status('  [##--] 50 %');
    sink.line('  phase: verify');
    sink.status(null);
    expect(chunks).toEqual(['\r\x1b[2K  [##--] 50 %', '\r\x1b[2K  phase: verify\n']);
  });
});
