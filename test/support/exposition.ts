/** One sample of a Prometheus text exposition. */
export interface ExposedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (format 0.0.4), comments left out. */
export function parseExposition(text: string): ExposedSample[] {
  const out: ExposedSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: m[3] === 'NaN' ? NaN : Number(m[3]) });
  }
  return out;
}

/** The samples of one metric whose labels include `labels`. */
export function samplesOf(
  samples: readonly ExposedSample[],
  name: string,
  labels: Record<string, string> = {},
): ExposedSample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample of a metric with these labels; fails when there is none or several. */
export function valueOf(samples: readonly ExposedSample[], name: string, labels: Record<string, string> = {}): number {
  const hits = samplesOf(samples, name, labels);
  if (hits.length !== 1)
    throw new Error(`${name}${JSON.stringify(labels)}: ${hits.length} samples (${JSON.stringify(hits)})`);
  return hits[0]!.value;
}
