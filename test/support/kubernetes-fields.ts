// Unknown fields. Neither kubernetes-models' schemas nor the Kubernetes OpenAPI document they come
// from reject a field they do not define, so a misspelt `terminationGracePeriodSecond` would pass
// them; the API server refuses it (kubectl's default --validate=strict). The package's TypeScript
// declarations, generated from the same definitions, do refuse it: each object is type-checked
// as an object literal `satisfies` its kind's interface, and TypeScript rejects excess properties.
import { join } from 'node:path';
import ts from 'typescript';
import type { Manifest } from './kubernetes-manifests.js';
import { ROOT } from './processes.js';

/** The interface of each kind, and the module that declares it. */
const DECLARATIONS: Record<string, readonly [string, string]> = {
  'v1/Namespace': ['INamespace', 'kubernetes-models/v1/Namespace'],
  'v1/ConfigMap': ['IConfigMap', 'kubernetes-models/v1/ConfigMap'],
  'v1/Secret': ['ISecret', 'kubernetes-models/v1/Secret'],
  'v1/Service': ['IService', 'kubernetes-models/v1/Service'],
  'apps/v1/Deployment': ['IDeployment', 'kubernetes-models/apps/v1/Deployment'],
  'keda.sh/v1alpha1/ScaledObject': [
    'IScaledObject',
    '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
  ],
  'keda.sh/v1alpha1/TriggerAuthentication': [
    'ITriggerAuthentication',
    '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication',
  ],
};

export interface LabelledManifest {
  /** Where the manifest comes from, for the messages (`overlays/gpu Deployment convoy-api`). */
  readonly label: string;
  readonly manifest: Manifest;
}

/** One TypeScript module that type-checks every manifest; the span of each in its text. */
function sourceOf(manifests: readonly LabelledManifest[]) {
  const imports = Object.values(DECLARATIONS)
    .map(([name, module]) => `import type { ${name} } from '${module}';`)
    .join('\n');
  let text = `${imports}\n`;
  const spans = manifests.map(({ label, manifest }, index) => {
    const declaration = DECLARATIONS[`${manifest.apiVersion}/${manifest.kind}`];
    const start = text.length;
    text += declaration
      ? `export const m${index} = ${JSON.stringify(manifest, null, 1)} satisfies ${declaration[0]};\n`
      : '';
    return { label, start, end: text.length };
  });
  return { text, spans };
}

/** Fields the kinds' declarations do not define, and other type errors, one message each. */
export function fieldProblems(manifests: readonly LabelledManifest[]): string[] {
  const { text, spans } = sourceOf(manifests);
  // A module that exists only in memory, beside the tests, so node_modules resolves as for them.
  const file = join(ROOT, 'test', '.kubernetes-fields.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file
      ? ts.createSourceFile(name, text, language)
      : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    const at = diagnostic.file?.fileName === file ? (diagnostic.start ?? -1) : -1;
    const span = spans.find((entry) => at >= entry.start && at < entry.end);
    return `${span?.label ?? diagnostic.file?.fileName ?? 'manifests'}: ${message}`;
  });
}
