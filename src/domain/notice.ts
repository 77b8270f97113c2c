import { z } from 'zod';

/**
 * The moments selfheal cannot go on alone: an attempt waits for approval, an attempt was deferred
 * for a reason only a person can remove, healing kept not working and stopped, or an undo kept
 * failing. Each is told to a person once per action.
 */
export const NOTICE_EVENTS = ['approval', 'deferred', 'ineffective', 'compensation_failed'] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

/** Webhook bodies stay small; the reason is cut, the Temporal UI has the rest. */
export const MAX_NOTICE_REASON = 2000;

/** What a workflow hands to the notification: everything a person needs to decide, no secret. */
export const noticeSchema = z
  .object({
    event: z.enum(NOTICE_EVENTS),
    action_id: z.number().int().positive(),
    collection: z.string().min(1).max(200),
    /** Null when the workflow that tells does not know it; filled from the attempt's row. */
    problem_class: z.string().nullable(),
    strategy: z.string().nullable(),
    reason: z.string().min(1).max(MAX_NOTICE_REASON),
    /** The attempt's run, for the link to the Temporal UI. */
    workflow_id: z.string().min(1),
    run_id: z.string().min(1),
    /** When it happened, in workflow time. */
    at: z.string().datetime({ offset: true }),
    /** An approval's deadline: after it the attempt ends Deferred. */
    deadline: z.string().datetime({ offset: true }).nullable().optional(),
  })
  .strict();
export type Notice = z.infer<typeof noticeSchema>;

/** Cuts a reason to what a notice carries. */
export function noticeReason(text: string): string {
  const t = text.trim() || 'no reason recorded';
  return t.length <= MAX_NOTICE_REASON ? t : `${t.slice(0, MAX_NOTICE_REASON - 1)}…`;
}

/** Posted once: a retry, a replay or a second workflow asking again finds this key already delivered. */
export function noticeKey(n: Pick<Notice, 'action_id' | 'event'>): string {
  return `${n.action_id}:${n.event}`;
}

/** The notification's own workflow: one per action and event, so Temporal refuses a second one. */
export function noticeWorkflowId(n: Pick<Notice, 'collection' | 'action_id' | 'event'>): string {
  return `healing-notice/${n.collection}/${n.action_id}/${n.event}`;
}

export interface NoticeCommand {
  run: string;
  does: string;
}

/** The exact commands that act on the notice, first the one most likely wanted. */
export function noticeCommands(n: Pick<Notice, 'event' | 'action_id' | 'collection'>): NoticeCommand[] {
  const id = n.action_id;
  const c = n.collection;
  const history: NoticeCommand = {
    run: `selfheal history --collection ${c} --limit 5`,
    does: 'what was tried, and why it ended so',
  };
  switch (n.event) {
    case 'approval':
      return [
        { run: `selfheal approve ${id}`, does: 'let the attempt proceed' },
        { run: `selfheal reject ${id}`, does: 'refuse it: it ends Deferred, nothing changed' },
        { run: `selfheal abort ${id}`, does: 'stop it; what it did is compensated' },
      ];
    case 'deferred':
      return [
        { run: `selfheal status ${c}`, does: 'the collection now' },
        history,
        { run: `selfheal trigger ${c}`, does: 'try again once the cause is removed' },
        { run: `selfheal pause ${c}`, does: 'stop auto-healing while you handle it' },
      ];
    case 'ineffective':
      return [history, { run: `selfheal resume ${c}`, does: 'restart auto-healing once it can work' }];
    case 'compensation_failed':
      return [
        { run: `selfheal status ${c}`, does: 'the collection now' },
        {
          run: `selfheal history --collection ${c} --limit 1 --json`,
          does: 'the undo errors and the recorded snapshot to restore from',
        },
        { run: `selfheal pause ${c}`, does: 'keep selfheal off it while you restore it by hand' },
      ];
  }
}

/** One line: what happened and where. */
export function noticeTitle(n: Notice): string {
  const what = `${n.collection}${n.problem_class ? ` ${n.problem_class}` : ''}`;
  const strategy = n.strategy ? ` → ${n.strategy}` : '';
  switch (n.event) {
    case 'approval':
      return `selfheal: action ${n.action_id} waits for approval: ${what}${strategy}`;
    case 'deferred':
      return `selfheal: action ${n.action_id} needs a person: ${what}${strategy}`;
    case 'ineffective':
      return `selfheal: healing ${n.collection} is not working: auto-healing stopped`;
    case 'compensation_failed':
      return `selfheal: action ${n.action_id} could not undo ${n.strategy ?? 'its change'} on ${n.collection}`;
  }
}

/** The generic JSON body: flat fields for scripts and chat bridges alike. */
export function genericNoticeBody(n: Notice, uiLink: string | null) {
  return {
    source: 'selfheal',
    version: 1,
    idempotency_key: noticeKey(n),
    event: n.event,
    title: noticeTitle(n),
    action_id: n.action_id,
    collection: n.collection,
    problem_class: n.problem_class,
    strategy: n.strategy,
    reason: n.reason,
    deadline: n.deadline ?? null,
    at: n.at,
    ui_url: uiLink,
    workflow_id: n.workflow_id,
    run_id: n.run_id,
    commands: noticeCommands(n),
  };
}

/** Slack's limits: a header's text, a section's text. */
const SLACK_HEADER_MAX = 150;
const SLACK_TEXT_MAX = 2900;

/** Slack's mrkdwn treats these three as markup; a reason quoting SQL must not become a link. */
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The Slack-compatible body (incoming webhooks: `text` for the alert itself, `blocks` for the message). */
export function slackNoticeBody(n: Notice, uiLink: string | null) {
  const title = noticeTitle(n);
  const field = (name: string, value: string | null) => ({
    type: 'mrkdwn',
    text: `*${name}*\n${value === null ? '—' : slackEscape(value)}`,
  });
  const commands = noticeCommands(n)
    .map((c) => `\`${c.run}\` ${slackEscape(c.does)}`)
    .join('\n');
  return {
    text: cut(`${title}: ${slackEscape(n.reason)}`, SLACK_TEXT_MAX),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(title, SLACK_HEADER_MAX) } },
      {
        type: 'section',
        fields: [
          field('Action', String(n.action_id)),
          field('Collection', n.collection),
          field('Problem', n.problem_class),
          field('Strategy', n.strategy),
          ...(n.deadline ? [field('Decide before', n.deadline)] : []),
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: cut(`*Why*\n${slackEscape(n.reason)}`, SLACK_TEXT_MAX) } },
      { type: 'section', text: { type: 'mrkdwn', text: cut(`*Commands*\n${commands}`, SLACK_TEXT_MAX) } },
      ...(uiLink
        ? [
            {
              type: 'actions',
              elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Temporal UI' }, url: uiLink }],
            },
          ]
        : []),
    ],
  };
}
