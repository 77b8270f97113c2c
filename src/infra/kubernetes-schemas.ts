import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { goModuleDir, selfhealCache } from './go-tools';

/**
 * Where kubeconform's schemas come from, offline: the API definitions Kubernetes publishes in its
 * own module (api/openapi-spec/swagger.json), and the CRDs the Prometheus operator ships in its
 * module (example/prometheus-operator-crd/), both through the Go module proxy. Only the module
 * versions are pinned; the JSON schemas are derived here and cached.
 */
export const KUBERNETES_MODULE = { module: 'k8s.io/kubernetes', version: '1.37.2' };
export const PROMETHEUS_OPERATOR_MODULE = {
  module: 'github.com/prometheus-operator/prometheus-operator',
  version: '0.85.0',
};
/** Bumped whenever the conversion below changes, so a cache made by older code is not reused. */
const LAYOUT = 1;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
export type SchemaFiles = Map<string, JsonObject>;

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** kubeconform's own naming for Kubernetes schemas: `deployment-apps-v1.json`, `service-v1.json`. */
export function kindFileName(kind: string, group: string, version: string): string {
  const suffix = group ? `-${group.split('.')[0]!.toLowerCase()}-${version}` : `-${version}`;
  return `${kind.toLowerCase()}${suffix}.json`;
}

/**
 * Strict means what `kubectl apply` with server-side field validation means: a field the API does
 * not define is an error. Objects that list their properties and say nothing of others get
 * additionalProperties false; maps and free-form objects stay open.
 */
function closeObjects(node: Json, strict: boolean): Json {
  if (Array.isArray(node)) return node.map((n) => closeObjects(n, strict));
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    // Property names are data, not schemas: only their values are walked.
    out[k] =
      (k === 'properties' || k === 'definitions' || k === 'patternProperties') && isObject(v)
        ? Object.fromEntries(Object.entries(v).map(([name, s]) => [name, closeObjects(s, strict)]))
        : closeObjects(v, strict);
  }
  if (
    strict &&
    isObject(out.properties) &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/** Every definition a schema reaches through `#/definitions/…`, itself included. */
function reachable(defs: JsonObject, root: string): string[] {
  const seen = new Set<string>();
  const walk = (node: Json): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) {
          const name = v.slice('#/definitions/'.length);
          if (!seen.has(name)) {
            seen.add(name);
            if (!defs[name]) throw new Error(`swagger: ${root} refers to a missing definition ${name}`);
            walk(defs[name]);
          }
        } else walk(v);
      }
    }
  };
  seen.add(root);
  walk(defs[root]!);
  return [...seen].sort();
}

/**
 * The two API types whose wire form is not their declared type: a port or a percentage may be a
 * number or a name, a quantity may be written as a number (`cpu: 1`).
 */
function wireForms(defs: JsonObject): JsonObject {
  const out = { ...defs };
  const intOrString = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
  const quantity = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
  if (out[intOrString]) out[intOrString] = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  if (out[quantity]) out[quantity] = { oneOf: [{ type: 'string' }, { type: 'number' }] };
  return out;
}

/**
 * One self-contained schema per group, version and kind of the API: the kind's definition at the
 * root, and every definition it reaches under `definitions`, where the swagger's own `$ref`s point.
 */
export function schemasFromSwagger(swagger: { definitions: JsonObject }, strict: boolean): SchemaFiles {
  const defs = wireForms(swagger.definitions);
  const files: SchemaFiles = new Map();
  for (const [name, def] of Object.entries(defs)) {
    if (!isObject(def)) continue;
    const gvks = def['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    const closure = reachable(defs, name).filter((n) => n !== name);
    const schema = closeObjects(
      { ...def, definitions: Object.fromEntries(closure.map((n) => [n, defs[n]!])) },
      strict,
    ) as JsonObject;
    for (const gvk of gvks) {
      if (!isObject(gvk)) continue;
      const file = kindFileName(String(gvk.kind), String(gvk.group ?? ''), String(gvk.version));
      if (files.has(file)) throw new Error(`swagger: two definitions map to ${file}`);
      files.set(file, schema);
    }
  }
  return files;
}

/** `nullable: true` (OpenAPI) as JSON Schema has it: null is one more allowed type. */
function nullableTypes(node: Json): Json {
  if (Array.isArray(node)) return node.map(nullableTypes);
  if (!isObject(node)) return node;
  const out: JsonObject = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, nullableTypes(v)]));
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

/**
 * One schema per served version of each CRD, named as kubeconform's CRD catalogs are
 * (`<group>/<kind>_<version>.json`). A CRD says nothing of metadata beyond `type: object`, so the
 * API's ObjectMeta is put in its place: a misspelt label key is caught on custom resources too.
 */
export function schemasFromCrds(
  crdYaml: string,
  objectMeta: { name: string; definitions: JsonObject },
  strict: boolean,
): SchemaFiles {
  const files: SchemaFiles = new Map();
  const metaClosure = reachable(objectMeta.definitions, objectMeta.name);
  for (const doc of parseAllDocuments(crdYaml)) {
    const crd = doc.toJS() as JsonObject | null;
    if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isObject(crd.spec)) continue;
    const { group, names, versions } = crd.spec;
    if (typeof group !== 'string' || !isObject(names) || !Array.isArray(versions)) continue;
    for (const v of versions) {
      if (!isObject(v) || !isObject(v.schema) || !isObject(v.schema.openAPIV3Schema)) continue;
      const root = nullableTypes(v.schema.openAPIV3Schema) as JsonObject;
      const properties = isObject(root.properties) ? root.properties : {};
      const schema = closeObjects(
        {
          ...root,
          properties: { ...properties, metadata: { $ref: `#/definitions/${objectMeta.name}` } },
          definitions: Object.fromEntries(metaClosure.map((n) => [n, objectMeta.definitions[n]!])),
        },
        strict,
      ) as JsonObject;
      files.set(`${group}/${String(names.kind).toLowerCase()}_${String(v.name)}.json`, schema);
    }
  }
  return files;
}

export interface KubernetesSchemas {
  /** Root of the cached layout. */
  dir: string;
  /** kubeconform's -schema-location values, in the order to try them. */
  locations: string[];
  /** kubeconform's -kubernetes-version. */
  kubernetesVersion: string;
}

function layoutOf(dir: string): KubernetesSchemas {
  return {
    dir,
    locations: [
      join(
        dir,
        'kubernetes',
        '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}',
        '{{ .ResourceKind }}{{ .KindSuffix }}.json',
      ),
      join(dir, 'crds{{ .StrictSuffix }}', '{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
    ],
    kubernetesVersion: KUBERNETES_MODULE.version,
  };
}

function writeAll(root: string, files: SchemaFiles): void {
  for (const [name, schema] of files) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(schema));
  }
}

/**
 * The schemas for kubeconform, strict and lax, built once per pinned version into the user cache
 * (in a fresh folder renamed into place, so a run that stops halfway leaves nothing half-made).
 */
export async function ensureKubernetesSchemas(
  log: (line: string) => void = () => undefined,
): Promise<KubernetesSchemas> {
  const versions = `k8s-${KUBERNETES_MODULE.version}-prometheus-operator-${PROMETHEUS_OPERATOR_MODULE.version}`;
  const dir = join(selfhealCache(), `kubeconform-schemas-${versions}-${LAYOUT}`);
  if (existsSync(join(dir, 'complete'))) return layoutOf(dir);
  const started = Date.now();
  log(
    `Deriving kubeconform schemas from ${KUBERNETES_MODULE.module} v${KUBERNETES_MODULE.version} and ` +
      `${PROMETHEUS_OPERATOR_MODULE.module} v${PROMETHEUS_OPERATOR_MODULE.version} (first time only)…`,
  );
  const k8sDir = await goModuleDir(KUBERNETES_MODULE.module, `v${KUBERNETES_MODULE.version}`);
  const operatorDir = await goModuleDir(PROMETHEUS_OPERATOR_MODULE.module, `v${PROMETHEUS_OPERATOR_MODULE.version}`);
  const swagger = JSON.parse(readFileSync(join(k8sDir, 'api', 'openapi-spec', 'swagger.json'), 'utf8')) as {
    definitions: JsonObject;
  };
  const crdDir = join(operatorDir, 'example', 'prometheus-operator-crd');
  const crds = readdirSync(crdDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join(crdDir, f), 'utf8'))
    .join('\n---\n');
  const objectMeta = { name: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', definitions: swagger.definitions };
  mkdirSync(selfhealCache(), { recursive: true });
  const staging = mkdtempSync(join(selfhealCache(), '.kubeconform-schemas-'));
  try {
    for (const strict of [false, true]) {
      const suffix = strict ? '-strict' : '';
      writeAll(
        join(staging, 'kubernetes', `v${KUBERNETES_MODULE.version}-standalone${suffix}`),
        schemasFromSwagger(swagger, strict),
      );
      writeAll(join(staging, `crds${suffix}`), schemasFromCrds(crds, objectMeta, strict));
    }
    writeFileSync(join(staging, 'complete'), `${new Date().toISOString()}\n`);
    try {
      renameSync(staging, dir);
    } catch (err) {
      // Another run made the same schemas first.
      if (!existsSync(join(dir, 'complete'))) throw err;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`Derived the schemas in ${Math.round((Date.now() - started) / 1000)} s: ${dir}`);
  return layoutOf(dir);
}
