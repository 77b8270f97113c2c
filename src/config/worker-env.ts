import { z } from 'zod';
import { AUDIT_KEY_MIN_LENGTH } from '../postgres/audit-log';
import { temporalEnvSchema } from './temporal-connection';

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'a PostgreSQL URL: postgres://user:password@host:5432/database');

const httpUrl = z
  .string()
  .url()
  .regex(/^https?:\/\//, 'an http(s) URL');

/** A comma-separated list of `item`; empty or unset is none. */
const commaList = <T extends z.ZodTypeAny>(item: T) =>
  z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

/** Comma-separated http(s) URLs. */
const urlList = commaList(httpUrl);

/**
 * Everything the production worker reads from its environment, checked at once so a typo stops it
 * at start with every problem named, not on the first attempt.
 */
export const workerEnvSchema = temporalEnvSchema.and(
  z.object({
    /** The database to watch; the store (schema ruvector) lives in it. */
    DATABASE_URL: postgresUrl,
    SELFHEAL_TASK_QUEUE: z.string().min(1).max(200).default('selfheal'),
    /** Standbys the worker may connect to (resume_wal_replay), comma-separated; never in workflow history. */
    SELFHEAL_STANDBY_URLS: commaList(postgresUrl),
    /** Where the Temporal UI is, for links in the CLI's answers and in notices. */
    SELFHEAL_UI_URL: z.string().url().optional(),
    /** Generic JSON webhooks told when a person must decide, comma-separated. */
    SELFHEAL_WEBHOOK_URLS: urlList,
    /** Slack-compatible incoming webhooks told the same, comma-separated. */
    SELFHEAL_SLACK_WEBHOOK_URLS: urlList,
    /** The shared secret Alertmanager sends (Authorization: Bearer); unset, POST /alertmanager is off. */
    SELFHEAL_ALERTMANAGER_TOKEN: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().min(16, 'at least 16 characters').max(512).optional(),
    ),
    /** Apply migrations at start (default); off when a deploy step runs `selfheal migrate` itself. */
    SELFHEAL_MIGRATE: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    /** Time activities get to finish on shutdown. */
    SELFHEAL_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
    SELFHEAL_DB_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
    /** The worker's HTTP port: health probes, and the operations endpoints; 0 picks a free one. */
    SELFHEAL_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
    SELFHEAL_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
    /** Signs the audit trail (HMAC-SHA256); `selfheal audit verify` needs the same key. */
    SELFHEAL_AUDIT_KEY: z
      .string()
      .min(AUDIT_KEY_MIN_LENGTH, `at least ${AUDIT_KEY_MIN_LENGTH} characters, e.g. \`openssl rand -hex 32\``)
      .optional(),
    /** Runs without a key on purpose: audit rows are written unsigned, and `audit verify` reports each one. */
    SELFHEAL_AUDIT_UNSIGNED: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  }),
);
export type WorkerEnv = z.infer<typeof workerEnvSchema>;

/** The rules across settings, apart so the schema above stays a plain object of settings. */
const checkedWorkerEnvSchema = workerEnvSchema.superRefine((e, ctx) => {
  // A worker acts on production databases by itself: a forgotten key is caught at start, not at the next audit.
  if (e.SELFHEAL_AUDIT_KEY === undefined && !e.SELFHEAL_AUDIT_UNSIGNED)
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['SELFHEAL_AUDIT_KEY'],
      message:
        'not set: the audit trail is signed with it (at least 32 characters, e.g. `openssl rand -hex 32`); ' +
        'SELFHEAL_AUDIT_UNSIGNED=true runs without one, writing rows `selfheal audit verify` reports as unsigned',
    });
});

/** Parses the environment; the error names every bad or missing setting and what it should be. */
export function parseWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const r = checkedWorkerEnvSchema.safeParse(env);
  if (r.success) return r.data;
  const lines = r.error.issues.map(
    (i) => `  ${i.path.join('.') || '(environment)'}: ${i.message === 'Required' ? 'not set' : i.message}`,
  );
  throw new Error(`the worker's environment is not usable:\n${lines.join('\n')}`);
}
