import {
  MAX_NOTICE_REASON,
  genericNoticeBody,
  noticeCommands,
  noticeKey,
  noticeReason,
  noticeSchema,
  noticeWorkflowId,
  slackNoticeBody,
  type Notice,
} from '../../src/domain/notice';
import { temporalUiLink } from '../../src/domain/ui-link';

const approval: Notice = {
  event: 'approval',
  action_id: 7,
  collection: 'demo',
  problem_class: 'IndexFragmentation',
  strategy: 'compact_indexes',
  reason: 'compact_indexes is in require_approval_strategies',
  workflow_id: 'healing-attempt/demo',
  run_id: '0196-run',
  at: '2026-01-01T10:00:00.000Z',
  deadline: '2026-01-01T11:00:00.000Z',
};
const link = temporalUiLink('http://ui:8233/', 'default', approval.workflow_id, approval.run_id);

describe('a notice to a person', () => {
  it('links the attempt in the Temporal UI, the workflow id encoded', () => {
    expect(link).toBe('http://ui:8233/namespaces/default/workflows/healing-attempt%2Fdemo/0196-run/history');
    expect(temporalUiLink(null, 'default', 'w', 'r')).toBeNull();
  });

  it('is keyed by action and event, once: its workflow id and its store key', () => {
    expect(noticeKey(approval)).toBe('7:approval');
    expect(noticeWorkflowId(approval)).toBe('healing-notice/demo/7/approval');
    expect(noticeKey({ ...approval, event: 'deferred' })).not.toBe(noticeKey(approval));
  });

  it('names the exact commands for each event', () => {
    const runs = (event: Notice['event']) => noticeCommands({ ...approval, event }).map((c) => c.run);
    expect(runs('approval')).toEqual(['selfheal approve 7', 'selfheal reject 7', 'selfheal abort 7']);
    expect(runs('deferred')).toEqual([
      'selfheal status demo',
      'selfheal history --collection demo --limit 5',
      'selfheal trigger demo',
      'selfheal pause demo',
    ]);
    expect(runs('ineffective')).toEqual(['selfheal history --collection demo --limit 5', 'selfheal resume demo']);
    expect(runs('compensation_failed')).toContain('selfheal history --collection demo --limit 1 --json');
  });

  it('generic JSON body: every field flat, with the link and the commands', () => {
    expect(genericNoticeBody(approval, link)).toEqual({
      source: 'selfheal',
      version: 1,
      idempotency_key: '7:approval',
      event: 'approval',
      title: 'selfheal: action 7 waits for approval: demo IndexFragmentation → compact_indexes',
      action_id: 7,
      collection: 'demo',
      problem_class: 'IndexFragmentation',
      strategy: 'compact_indexes',
      reason: 'compact_indexes is in require_approval_strategies',
      deadline: '2026-01-01T11:00:00.000Z',
      at: '2026-01-01T10:00:00.000Z',
      ui_url: link,
      workflow_id: 'healing-attempt/demo',
      run_id: '0196-run',
      commands: [
        { run: 'selfheal approve 7', does: 'let the attempt proceed' },
        { run: 'selfheal reject 7', does: 'refuse it: it ends Deferred, nothing changed' },
        { run: 'selfheal abort 7', does: 'stop it; what it did is compensated' },
      ],
    });
  });

  it('Slack body: a fallback text, fields, the reason, the commands and a button to the UI', () => {
    const b = slackNoticeBody(approval, link);
    expect(b.text).toBe(
      'selfheal: action 7 waits for approval: demo IndexFragmentation → compact_indexes: ' +
        'compact_indexes is in require_approval_strategies',
    );
    expect(b.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: 'selfheal: action 7 waits for approval: demo IndexFragmentation → compact_indexes',
      },
    });
    expect(b.blocks[1]).toMatchObject({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Action*\n7' },
        { type: 'mrkdwn', text: '*Collection*\ndemo' },
        { type: 'mrkdwn', text: '*Problem*\nIndexFragmentation' },
        { type: 'mrkdwn', text: '*Strategy*\ncompact_indexes' },
        { type: 'mrkdwn', text: '*Decide before*\n2026-01-01T11:00:00.000Z' },
      ],
    });
    expect(JSON.stringify(b.blocks[3])).toContain('`selfheal approve 7` let the attempt proceed');
    expect(b.blocks[4]).toEqual({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Temporal UI' }, url: link }],
    });
    // Without a UI address there is no button.
    expect(slackNoticeBody(approval, null).blocks.map((x) => x.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
    ]);
  });

  it("escapes Slack's markup in what selfheal did not write, and shows what it does not know as a dash", () => {
    const b = slackNoticeBody(
      { ...approval, event: 'deferred', strategy: null, reason: 'pid 3 ran "SELECT a <> b & c"' },
      null,
    );
    expect(b.text).toContain('SELECT a &lt;&gt; b &amp; c');
    expect(JSON.stringify(b.blocks[1])).toContain('*Strategy*\\n—');
  });

  it('cuts a long reason, and the schema refuses a notice without what a person needs', () => {
    const long = noticeReason('x'.repeat(5000));
    expect(long).toHaveLength(MAX_NOTICE_REASON);
    expect(long.endsWith('…')).toBe(true);
    expect(noticeReason('  ')).toBe('no reason recorded');
    expect(noticeSchema.safeParse(approval).success).toBe(true);
    expect(noticeSchema.safeParse({ ...approval, action_id: 0 }).success).toBe(false);
    expect(noticeSchema.safeParse({ ...approval, event: 'paged' }).success).toBe(false);
    expect(noticeSchema.safeParse({ ...approval, url: 'https://hooks.slack.com/secret' }).success).toBe(false);
  });
});
