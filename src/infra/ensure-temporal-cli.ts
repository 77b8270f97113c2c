import { ensureTemporalCli, temporalCliVersion } from './temporal-cli';

/** Setup step: find the Temporal CLI, or build it; say clearly how to install it when neither works. */
try {
  const bin = ensureTemporalCli();
  if (process.env.SELFHEAL_VERBOSE) console.error(`temporal: ${bin} (${temporalCliVersion(bin)})`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
