/**
 * @kubernetes/client-node 1.x is an ES module only, and selfheal is CommonJS. TypeScript (module
 * node16) refuses a value import of it, and jest's module registry cannot require an ES module, but
 * Node ≥ 20.19 can. So the package is loaded once, on first use, with Node's own require (reached
 * through process.getBuiltinModule, which jest does not replace), and typed by type-only imports.
 */
export type ClientNode = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });
export type {
  ApiException,
  ConfigurationOptions,
  KubeConfig,
  ObservableMiddleware,
  V1Deployment,
  V1Scale,
  V1Status,
} from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

let loaded: ClientNode | undefined;

export function clientNode(): ClientNode {
  if (loaded) return loaded;
  const { createRequire } = process.getBuiltinModule('node:module');
  try {
    loaded = createRequire(__filename)('@kubernetes/client-node') as ClientNode;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_REQUIRE_ESM') {
      throw new Error(
        `@kubernetes/client-node is an ES module: loading it needs Node ≥ 20.19 (this is ${process.version})`,
      );
    }
    throw err;
  }
  return loaded;
}
