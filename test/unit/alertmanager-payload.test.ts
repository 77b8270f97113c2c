import { alertAsks, alertmanagerPayloadSchema, alertTrigger } from '../../src/domain/alertmanager';
import { payload } from '../support/alertmanager';

describe("Alertmanager's webhook payload", () => {
  it('takes version 4 as Alertmanager sends it, fields it may add later included', () => {
    const p = alertmanagerPayloadSchema.parse({
      ...payload([{ labels: { alertname: 'A', collection: 'demo' } }]),
      x: 1,
    });
    expect(p.alerts[0]).toMatchObject({ status: 'firing', labels: { collection: 'demo' }, fingerprint: 'f0' });
  });

  it.each([
    ['another version', { ...payload([]), version: '3' }],
    ['no alerts array', { ...payload([]), alerts: undefined }],
    ['an alert without status', { ...payload([{ labels: {} }]), alerts: [{ labels: {}, startsAt: 'x', endsAt: 'y' }] }],
    ['labels that are not strings', payload([{ labels: { collection: 3 as unknown as string } }])],
    [
      'a bad startsAt',
      { ...payload([{ labels: {} }]), alerts: [{ ...payload([{ labels: {} }]).alerts[0], startsAt: 'soon' }] },
    ],
  ])('refuses %s', (_what, body) => {
    expect(alertmanagerPayloadSchema.safeParse(body).success).toBe(false);
  });

  it('asks once per collection named by a firing alert; resolved and unlabelled alerts ask nothing', () => {
    const p = alertmanagerPayloadSchema.parse(
      payload([
        { labels: { alertname: 'RuvectorIntegrityDegraded', collection: 'demo' } },
        { labels: { alertname: 'RuvectorIntegrityCritical', collection: 'demo' } },
        { labels: { alertname: 'RuvectorIntegrityDegraded', collection: 'orders' }, status: 'resolved' },
        { labels: { alertname: 'DiskFull' } },
        { labels: { alertname: 'RuvectorIntegrityDegraded', collection: 'vectors' } },
      ]),
    );
    expect(alertAsks(p)).toEqual({
      asks: [
        {
          collection: 'demo',
          alertname: 'RuvectorIntegrityDegraded',
          trigger: 'alertmanager: RuvectorIntegrityDegraded',
        },
        {
          collection: 'vectors',
          alertname: 'RuvectorIntegrityDegraded',
          trigger: 'alertmanager: RuvectorIntegrityDegraded',
        },
      ],
      ignored: [
        { alertname: 'RuvectorIntegrityCritical', why: 'demo is asked for already' },
        { alertname: 'RuvectorIntegrityDegraded', why: 'resolved' },
        { alertname: 'DiskFull', why: 'no "collection" label' },
      ],
    });
  });

  it('records the trigger as `alertmanager: <alertname>`, within the attempt trigger bound', () => {
    expect(alertTrigger('X')).toBe('alertmanager: X');
    expect(alertTrigger('')).toBe('alertmanager: unnamed alert');
    expect(alertTrigger('a'.repeat(300))).toHaveLength(100);
  });
});
