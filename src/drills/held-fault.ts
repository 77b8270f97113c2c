/** What a drill leaves running: sessions that keep the fault alive until healed or released. */
export interface HeldFault {
  /** Resolves once the fault's sessions have ended (a strategy healed it, or it was released). */
  cleared: Promise<void>;
  /** Ends every session the drill opened; safe to call twice. */
  release(): Promise<void>;
}

export interface DrillRun {
  problem_class: string;
  collection: string;
  report: Record<string, unknown>;
  held: HeldFault | null;
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`drill: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
