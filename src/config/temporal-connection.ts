import { readFileSync } from 'node:fs';
import { z } from 'zod';

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

/**
 * How to reach Temporal, from the standard Temporal environment settings (the names the Temporal
 * CLI and SDK env config read), so a self-hosted cluster or Temporal Cloud needs no selfheal-only names.
 */
export const temporalEnvSchema = z
  .object({
    TEMPORAL_ADDRESS: z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, 'TEMPORAL_ADDRESS is host:port, e.g. 127.0.0.1:7233 or my-ns.a1b2c.tmprl.cloud:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).max(255).default('default'),
    TEMPORAL_API_KEY: z.string().min(1).optional(),
    TEMPORAL_TLS: flag,
    TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
    TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  })
  .superRefine((e, ctx) => {
    if (Boolean(e.TEMPORAL_TLS_CLIENT_CERT_PATH) !== Boolean(e.TEMPORAL_TLS_CLIENT_KEY_PATH)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPORAL_TLS_CLIENT_KEY_PATH'],
        message: 'mTLS needs both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH',
      });
    }
  });
export type TemporalEnv = z.infer<typeof temporalEnvSchema>;

export interface TemporalConnectionOptions {
  address: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
  apiKey?: string;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(
      `${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): fix the ` +
        `path or its permissions`,
    );
  }
}

/**
 * Connection options for @temporalio/client and @temporalio/worker alike; TLS is on with an API key or certificates.
 */
export function temporalConnectionOptions(e: TemporalEnv): TemporalConnectionOptions {
  const mtls =
    e.TEMPORAL_TLS_CLIENT_CERT_PATH && e.TEMPORAL_TLS_CLIENT_KEY_PATH
      ? {
          crt: readPem(e.TEMPORAL_TLS_CLIENT_CERT_PATH, 'TEMPORAL_TLS_CLIENT_CERT_PATH'),
          key: readPem(e.TEMPORAL_TLS_CLIENT_KEY_PATH, 'TEMPORAL_TLS_CLIENT_KEY_PATH'),
        }
      : undefined;
  const useTls =
    e.TEMPORAL_TLS || Boolean(e.TEMPORAL_API_KEY) || Boolean(mtls) || Boolean(e.TEMPORAL_TLS_SERVER_CA_CERT_PATH);
  return {
    address: e.TEMPORAL_ADDRESS,
    ...(useTls
      ? {
          tls: {
            ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME } : {}),
            ...(e.TEMPORAL_TLS_SERVER_CA_CERT_PATH
              ? {
                  serverRootCACertificate: readPem(
                    e.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
                    'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
                  ),
                }
              : {}),
            ...(mtls ? { clientCertPair: mtls } : {}),
          },
        }
      : {}),
    ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
  };
}
