import { ensureDemoCollection } from '../../src/demo/demo-collection';
import { getCollection } from '../../src/postgres/collections';
import { counterWindow, MIN_WINDOW_MS } from '../../src/probes/counter-window';
import { createTestDatabase, uniqueName, type TestDatabase } from '../support/test-system';
import { testAudit } from '../support/test-audit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Rates from stored counter readings: samples spaced under the minimum window still find a base
 * old enough, so the sensor waits only at its first sample, or when told to count only what
 * follows a change.
 */
describe('counter windows', () => {
  let db: TestDatabase;
  let collectionId: number;
  beforeAll(async () => {
    db = await createTestDatabase('counters');
    const name = uniqueName('cw');
    await ensureDemoCollection(db.pool, testAudit, name, 'public', name, 10);
    collectionId = (await getCollection(db.pool, name)).id;
  });
  afterAll(async () => db?.drop());

  it('waits a whole window on the first sample only; samples 1.2 s apart then never wait, and the rates are exact', async () => {
    // A counter rising by 1000 per second of wall time, read at each call.
    const t0 = Date.now();
    const read = async () => ({ ops: Math.round(Date.now() - t0) });
    // A reading's timestamp is taken when it is recorded, a moment after the counter was read: the
    // rate is exact up to those moments, which a loaded machine stretches. Each call's own length
    // (minus its deliberate wait) bounds them.
    const timed = async () => {
      const started = Date.now();
      const r = await counterWindow(db.pool, collectionId, 'test_ops', read);
      return { r, busy: Date.now() - started - r.waited_ms };
    };
    const first = await timed();
    expect(first.r.waited_ms).toBeGreaterThanOrEqual(MIN_WINDOW_MS - 50);
    const waits: number[] = [];
    const windows: number[] = [];
    const busy: number[] = [first.busy];
    for (let i = 0; i < 5; i++) {
      await sleep(1200);
      const { r, busy: b } = await timed();
      waits.push(r.waited_ms);
      windows.push(r.window_ms);
      busy.push(b);
      // 1000 per second, within what the two calls' own time allows (a base two calls back: the three).
      const slack = (1000 * (Math.max(...busy.slice(-3)) * 2 + 10)) / r.window_ms;
      expect(Math.abs(r.per_s.get('ops')! - 1000)).toBeLessThanOrEqual(slack);
      expect(slack).toBeLessThan(500);
    }
    // The second sample has only a 1.2 s old reading: it waits the rest; from the third on, the older reading is the
    // base.
    expect(waits[0]).toBeGreaterThan(500);
    expect(waits.slice(1)).toEqual([0, 0, 0, 0]);
    for (const w of windows) expect(w).toBeGreaterThanOrEqual(MIN_WINDOW_MS - 5);
  });

  it('with `after`, readings from before it are ignored: the window starts after the change', async () => {
    let value = 0;
    const read = async () => ({ ops: value });
    await counterWindow(db.pool, collectionId, 'test_change', read);
    value += 1_000_000; // a burst before the change
    await sleep(2100);
    const change = new Date().toISOString();
    const plain = await counterWindow(db.pool, collectionId, 'test_change', read);
    expect(plain.per_s.get('ops')).toBeGreaterThan(100_000);
    const fresh = await counterWindow(db.pool, collectionId, 'test_change', read, { after: change });
    expect(fresh.waited_ms).toBeGreaterThan(MIN_WINDOW_MS / 2);
    expect(fresh.per_s.get('ops')).toBe(0);
  });

  it('a periodic sample never waits: the first one has no rate yet (window 0), the next one has it', async () => {
    const t0 = Date.now();
    const read = async () => ({ ops: Math.round(Date.now() - t0) });
    const firstStarted = Date.now();
    const first = await counterWindow(db.pool, collectionId, 'test_periodic', read, { noWait: true });
    const firstBusy = Date.now() - firstStarted;
    expect({ waited: first.waited_ms, window: first.window_ms, rate: first.per_s.get('ops') }).toEqual({
      waited: 0,
      window: 0,
      rate: 0,
    });
    await sleep(1200);
    const started = Date.now();
    const second = await counterWindow(db.pool, collectionId, 'test_periodic', read, { noWait: true });
    expect(Date.now() - started).toBeLessThan(500);
    expect(second.waited_ms).toBe(0);
    expect(second.window_ms).toBeGreaterThanOrEqual(1150);
    // Exact up to the moments between reading and recording, bounded by the two calls' own time.
    const slack = (1000 * (firstBusy + (Date.now() - started) + 10)) / second.window_ms;
    expect(Math.abs(second.per_s.get('ops')! - 1000)).toBeLessThanOrEqual(slack);
  });

  it('a counter that went backwards (a stats reset) or a new key reads 0, never negative', async () => {
    let values: Record<string, number> = { a: 5000, b: 10 };
    const read = async () => values;
    await counterWindow(db.pool, collectionId, 'test_reset', read);
    values = { a: 10, b: 10, c: 99 };
    const r = await counterWindow(db.pool, collectionId, 'test_reset', read);
    expect(Object.fromEntries(r.per_s)).toEqual({ a: 0, b: 0, c: 0 });
  });
});
