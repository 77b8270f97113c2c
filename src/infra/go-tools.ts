import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { goBinary, isExecutable, onPath, selfhealCache } from './executables';

export { onPath };

const run = promisify(execFile);

/** A command-line tool built from a Go module at a pinned version. */
export interface GoTool {
  name: string;
  module: string;
  /** Without the leading v. */
  version: string;
}

/** kubeconform 0.8.0 and kustomize 5.8.2 are the newest releases whose go.mod accepts Go 1.26. */
export const KUBECONFORM: GoTool = {
  name: 'kubeconform',
  module: 'github.com/yannh/kubeconform/cmd/kubeconform',
  version: '0.8.0',
};
export const KUSTOMIZE: GoTool = { name: 'kustomize', module: 'sigs.k8s.io/kustomize/kustomize/v5', version: '5.8.2' };

export { selfhealCache };

/** `go` from PATH, else where the official archive unpacks. */
export const findGo = goBinary;

function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // A go.mod asking for a newer Go must fail here rather than fetch a toolchain behind our back.
    GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local',
    GOFLAGS: process.env.GOFLAGS ?? '-mod=mod',
    ...extra,
  };
}

function installHelp(tool: GoTool): string {
  const upper = tool.name.toUpperCase();
  return [
    `${tool.name} was not found and could not be built.`,
    `Install Go 1.26 or newer, or set ${upper}=/path/to/${tool.name} (version ${tool.version}).`,
  ].join('\n');
}

/** The binary the cache holds for this tool's version, if any. */
export function cachedTool(tool: GoTool): string {
  return join(selfhealCache(), `${tool.name}-${tool.version}`, tool.name);
}

/**
 * The tool named by its env variable (KUBECONFORM=…), else the pinned build in the cache, made
 * with `go install` the first time. Not whatever is on PATH: another version reports differently,
 * and the tests read its report. The build goes to a fresh folder renamed into place, so two runs
 * at once never see half a binary.
 */
export async function ensureGoTool(tool: GoTool, log: (line: string) => void = () => undefined): Promise<string> {
  const explicit = process.env[tool.name.toUpperCase()];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${tool.name.toUpperCase()}=${explicit} is not an executable file`);
    return explicit;
  }
  const cached = cachedTool(tool);
  if (isExecutable(cached)) return cached;
  const go = findGo();
  if (!go) throw new Error(installHelp(tool));
  mkdirSync(selfhealCache(), { recursive: true });
  const staging = mkdtempSync(join(selfhealCache(), `.${tool.name}-`));
  log(`Building ${tool.name} v${tool.version} with Go (first time only)…`);
  const started = Date.now();
  try {
    await run(go, ['install', `${tool.module}@v${tool.version}`], {
      env: goEnv({ GOBIN: staging }),
      cwd: tmpdir(),
      maxBuffer: 16 * 1024 * 1024,
    });
    const target = join(selfhealCache(), `${tool.name}-${tool.version}`);
    try {
      renameSync(staging, target);
    } catch (err) {
      // Another run finished first: its build is the same version.
      if (!existsSync(cached)) throw err;
    }
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `go install ${tool.module}@v${tool.version} failed: ${e.stderr?.trim() || e.message}\n${installHelp(tool)}`,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`Built ${tool.name} in ${Math.round((Date.now() - started) / 1000)} s: ${cached}`);
  return cached;
}

/**
 * The unpacked source of a Go module at a version, from the module proxy through the module cache
 * (downloaded once; checked against the checksum database like any module).
 */
export async function goModuleDir(module: string, version: string): Promise<string> {
  const go = findGo();
  if (!go) throw new Error(`Go is needed to download ${module}@${version}: install Go 1.26 or newer`);
  try {
    const { stdout } = await run(go, ['mod', 'download', '-json', `${module}@${version}`], {
      env: goEnv(),
      cwd: tmpdir(),
      maxBuffer: 16 * 1024 * 1024,
    });
    const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new Error(info.Error ?? 'no Dir in the answer');
    return info.Dir;
  } catch (err) {
    // On failure the go command still prints its JSON, with the reason in Error.
    const e = err as { stdout?: string; stderr?: string; message: string };
    let said = '';
    try {
      said = (JSON.parse(e.stdout ?? '') as { Error?: string }).Error ?? '';
    } catch {
      // Not JSON: stderr or the message says what went wrong.
    }
    throw new Error(`go mod download ${module}@${version} failed: ${said || e.stderr?.trim() || e.message}`);
  }
}
