// Reading Compose files the way `docker compose` would, for structural tests on machines without
// a Docker engine: YAML, variable interpolation, merging an override file, and validation against
// the Compose Specification's JSON Schema (fixtures in test/fixtures/compose-spec/).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface LongVolume {
  type?: string;
  source?: string;
  target?: string;
  read_only?: boolean;
}

export interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target?: number; published?: string | number })[];
  volumes?: (string | LongVolume)[];
  depends_on?: Record<string, { condition?: string }> | string[];
  deploy?: {
    resources?: {
      reservations?: {
        devices?: { driver?: string; count?: number | string; capabilities?: string[] }[];
      };
    };
  };
  healthcheck?: { test?: string[] | string };
  profiles?: string[];
  container_name?: string;
  stop_grace_period?: string;
  restart?: string;
}

export interface Compose {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

export interface ComposeFile {
  readonly path: string;
  readonly text: string;
  readonly compose: Compose;
}

export function readComposeFile(name: string): ComposeFile {
  const path = join(root, name);
  const text = readFileSync(path, 'utf8');
  return { path, text, compose: parse(text) as Compose };
}

export function service(compose: Compose, name: string): Service {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`service ${name} missing`);
  return found;
}

export function environmentOf(entry: Service): Record<string, string> {
  const env = entry.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((line) => {
        const index = line.indexOf('=');
        return index < 0 ? [line, ''] : [line.slice(0, index), line.slice(index + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
}

export interface Mount {
  /** `volume` (named when it has a source, else anonymous: one per container), `bind` or `tmpfs`. */
  readonly type: string;
  readonly source: string | undefined;
  readonly target: string;
  readonly readOnly: boolean;
}

export function mountsOf(entry: Service): Mount[] {
  return (entry.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') {
      return {
        type: volume.type ?? 'volume',
        source: volume.source,
        target: volume.target ?? '',
        readOnly: volume.read_only === true,
      };
    }
    const parts = volume.split(':');
    // `/path` alone is an anonymous volume at that path.
    if (parts.length === 1) {
      return { type: 'volume', source: undefined, target: parts[0] ?? '', readOnly: false };
    }
    const [source = '', target = '', mode = ''] = parts;
    const bind = /^[./~]/.test(source);
    return {
      type: bind ? 'bind' : 'volume',
      source,
      target,
      readOnly: mode.split(',').includes('ro'),
    };
  });
}

export function dependsOnOf(entry: Service): Record<string, string | undefined> {
  const depends = entry.depends_on ?? {};
  if (Array.isArray(depends)) return Object.fromEntries(depends.map((key) => [key, undefined]));
  return Object.fromEntries(Object.entries(depends).map(([key, value]) => [key, value.condition]));
}

export function commandLine(value: string[] | string | undefined): string {
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

/** One `${…}` or `$NAME` in a Compose file: the variable and how it is read. */
export interface Interpolation {
  readonly name: string;
  /** `:?` `?` (required), `:-` `-` (default), `:+` `+` (alternative), or '' (plain). */
  readonly operator: string;
  readonly argument: string;
}

// `$$` is an escaped dollar; `${NAME<op><argument>}`; `$NAME`.
const INTERPOLATION =
  /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

export function interpolationsIn(text: string): Interpolation[] {
  const found: Interpolation[] = [];
  for (const match of text.matchAll(INTERPOLATION)) {
    if (match[1] !== undefined) continue;
    const name = match[2] ?? match[5];
    if (name !== undefined) {
      found.push({ name, operator: match[3] ?? '', argument: match[4] ?? '' });
    }
  }
  return found;
}

/** A required variable that is unset (or empty, for `:?`): what `docker compose` refuses. */
export class MissingVariableError extends Error {
  override readonly name = 'MissingVariableError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`required variable ${variable} is missing a value: ${message}`);
  }
}

function substitute(text: string, env: Record<string, string | undefined>): string {
  return text.replace(INTERPOLATION, (whole, escaped, braced, operator, argument, bare) => {
    if (escaped !== undefined) return '$';
    const name = (braced ?? bare) as string;
    const value = env[name];
    const empty = value === undefined || value === '';
    switch (operator as string | undefined) {
      case ':?':
        if (empty) throw new MissingVariableError(name, argument as string);
        return value;
      case '?':
        if (value === undefined) throw new MissingVariableError(name, argument as string);
        return value;
      case ':-':
        return empty ? (argument as string) : value;
      case '-':
        return value ?? (argument as string);
      case ':+':
        return empty ? '' : (argument as string);
      case '+':
        return value === undefined ? '' : (argument as string);
      default:
        return value ?? '';
    }
  });
}

/** The file as Compose reads it with `env` (.env plus the shell): every string value interpolated. */
export function interpolate<T>(value: T, env: Record<string, string | undefined>): T {
  if (typeof value === 'string') return substitute(value, env) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => interpolate(item, env)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, env)]),
    ) as T;
  }
  return value;
}

/**
 * `docker compose -f base -f override`, as far as these files need it: mappings merge key by key,
 * sequences (ports, volumes) are appended, scalars are replaced.
 */
export function mergeCompose(base: unknown, override: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(override)) return [...base, ...override];
  if (isMapping(base) && isMapping(override)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
      merged[key] = key in base ? mergeCompose(base[key], value) : value;
    }
    return merged;
  }
  return override;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A Compose Specification schema kept as a fixture, with where it came from. */
export interface ComposeSchema {
  readonly label: string;
  readonly validate: ValidateFunction;
}

const requireFromHere = createRequire(import.meta.url);

/**
 * Compiles a schema with the Ajv class of its `$schema` draft. Compose's schemas use union types
 * and `additionalProperties` beside `oneOf` freely, which Ajv's strictTypes would refuse.
 */
export function compileComposeSchema(label: string, file: string): ComposeSchema {
  const schema = JSON.parse(readFileSync(join(root, file), 'utf8')) as AnySchemaObject;
  const draft = String(schema.$schema ?? '');
  const options = { allErrors: true, allowUnionTypes: true, strictTypes: false } as const;
  let ajv: Ajv | Ajv2020;
  if (/draft\/2020-12\/schema/.test(draft)) {
    ajv = new Ajv2020(options);
  } else if (/draft-07\/schema/.test(draft)) {
    ajv = new Ajv(options);
    // Ajv knows draft-07's meta-schema by its http:// id; compose-spec names the https:// one.
    if (ajv.getSchema(draft) === undefined) {
      const meta = requireFromHere('ajv/dist/refs/json-schema-draft-07.json') as AnySchemaObject;
      ajv.addMetaSchema({ ...meta, $id: draft });
    }
  } else {
    throw new Error(`${file}: no Ajv class for $schema ${JSON.stringify(draft)}`);
  }
  return { label, validate: ajv.compile(schema) };
}

/** The schema's complaints about a document, one line each (empty when it is valid). */
export function schemaErrors(schema: ComposeSchema, document: unknown): string[] {
  if (schema.validate(document)) return [];
  return (schema.validate.errors ?? []).map(describeError);
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(top level)' : error.instancePath;
  const extra =
    error.keyword === 'additionalProperties'
      ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
      : '';
  return `${where} ${error.message ?? error.keyword}${extra}`;
}
