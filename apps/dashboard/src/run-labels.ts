import type { JobView, TrainingParams } from '@convoy/schemas';
import { describeModel, shortId, trainingParamsOf } from './job-format.js';

/**
 * How a run is called where several are shown together: its name when the job has one (the
 * `name` field of the job view, where the API keeps it), else `preset · lr 0.001 · …id`.
 */
export function runLabel(view: JobView): string {
  const name = (view as JobView & { name?: unknown }).name;
  if (typeof name === 'string' && name.trim() !== '') return name.trim();
  const params = trainingParamsOf(view);
  const tail = view.id.slice(-4);
  if (params === undefined) return shortId(view.id);
  return `${describeModel(params)} · lr ${params.optimizer.learningRate} · …${tail}`;
}

/** A run's parameters as dotted keys and printable values (`optimizer.learningRate` → `0.001`). */
export function flattenParams(params: TrainingParams | undefined): Map<string, string> {
  const flat = new Map<string, string>();
  if (params === undefined) return flat;
  const visit = (value: unknown, path: string) => {
    if (path === 'model') {
      // The layer list is one value: a table row per layer field would drown the real differences.
      flat.set(
        path,
        'preset' in (value as object)
          ? `preset ${(value as { preset: string }).preset}`
          : JSON.stringify((value as { layers: unknown }).layers),
      );
      return;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value))
        visit(inner, path === '' ? key : `${path}.${key}`);
      return;
    }
    flat.set(path, value === undefined ? '—' : JSON.stringify(value));
  };
  visit(params, '');
  return flat;
}

/** The parameters on which the runs differ, each with every run's value ('—' where unset). */
export function parameterDifferences(
  runs: readonly JobView[],
): { key: string; values: string[] }[] {
  const flats = runs.map((run) => flattenParams(trainingParamsOf(run)));
  const keys = [...new Set(flats.flatMap((flat) => [...flat.keys()]))].sort();
  return keys.flatMap((key) => {
    const values = flats.map((flat) => flat.get(key) ?? '—');
    return new Set(values).size > 1 ? [{ key, values }] : [];
  });
}
