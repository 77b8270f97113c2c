/** Alertmanager's webhook body (version 4), as it sends it. */
export function payload(alerts: { status?: 'firing' | 'resolved'; labels: Record<string, string> }[]) {
  return {
    version: '4',
    groupKey: '{}:{alertname="RuvectorIntegrityDegraded"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => (a.status ?? 'firing') === 'firing') ? 'firing' : 'resolved',
    receiver: 'selfheal',
    groupLabels: { alertname: 'RuvectorIntegrityDegraded' },
    commonLabels: { alertname: 'RuvectorIntegrityDegraded' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((a, i) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: { summary: 'integrity degraded' },
      startsAt: '2026-01-01T10:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=…',
      fingerprint: `f${i}`,
    })),
  };
}
