import { execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ensureGoTool, KUBECONFORM, KUSTOMIZE } from './go-tools';
import { ensureKubernetesSchemas, type KubernetesSchemas } from './kubernetes-schemas';

const run = promisify(execFile);

/** The manifests' kustomize base. */
export const KUSTOMIZE_BASE = resolve(__dirname, '..', '..', 'deploy', 'kubernetes');

export interface KubernetesTools {
  kubeconform: string;
  kustomize: string;
  schemas: KubernetesSchemas;
}

/** kubeconform, kustomize and the schemas, each found in the user cache or made there once. */
export async function ensureKubernetesTools(log: (line: string) => void = () => undefined): Promise<KubernetesTools> {
  // One after the other: two Go builds at once on two cores take as long and hide each other's errors.
  const kubeconform = await ensureGoTool(KUBECONFORM, log);
  const kustomize = await ensureGoTool(KUSTOMIZE, log);
  const schemas = await ensureKubernetesSchemas(log);
  return { kubeconform, kustomize, schemas };
}

/** `kustomize build <dir>`: the manifests as the cluster would receive them. */
export async function kustomizeBuild(tools: KubernetesTools, dir: string = KUSTOMIZE_BASE): Promise<string> {
  try {
    const { stdout } = await run(tools.kustomize, ['build', dir], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kustomize build ${dir} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * The arguments kubeconform runs with: strict (unknown fields and duplicate keys are errors), a
 * line for every resource, and only the cached schemas; a kind without a schema is an error.
 */
export function kubeconformArgs(schemas: KubernetesSchemas): string[] {
  return [
    '-strict',
    '-summary',
    '-verbose',
    '-output',
    'text',
    '-kubernetes-version',
    schemas.kubernetesVersion,
    ...schemas.locations.flatMap((l) => ['-schema-location', l]),
  ];
}

export interface KubeconformResult {
  ok: boolean;
  exitCode: number;
  /** kubeconform's report: one line per invalid resource, then the summary. */
  output: string;
}

/** Validates a YAML stream of several documents, given on stdin (the report calls it `stdin`). */
export async function kubeconform(tools: KubernetesTools, yaml: string): Promise<KubeconformResult> {
  const child = spawn(tools.kubeconform, [...kubeconformArgs(tools.schemas), '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exitCode = await new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done(code ?? 1));
    child.stdin.end(yaml);
  });
  return { ok: exitCode === 0, exitCode, output: output.trim() };
}

/** `npx tsx src/infra/ensure-kubeconform.ts [dir]`: builds what is missing, then renders and validates the base. */
async function main(dir: string): Promise<number> {
  const tools = await ensureKubernetesTools((l) => console.error(l));
  const result = await kubeconform(tools, await kustomizeBuild(tools, dir));
  console.log(result.output);
  return result.exitCode;
}

if (require.main === module) {
  main(resolve(process.argv[2] ?? KUSTOMIZE_BASE)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
