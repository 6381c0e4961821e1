import { InvalidCursorError } from '@convoy/queue';
import type { JobList, JobSortField, JobView, ListJobsQuery } from '@convoy/schemas';
import type { JobLookup } from './job-lookup.js';
import { toJobView, toListView } from './job-view.js';
import type { JobQueues } from '@convoy/queue';

/** Most jobs (the newest) a search reads: it filters and sorts them in memory. */
export const SEARCH_SCAN_LIMIT = 1000;
/** Jobs read from Redis at once while scanning. */
const READ_BATCH = 100;

/**
 * `GET /v1/jobs` with q, tag, model, sort or order: reads the newest SEARCH_SCAN_LIMIT jobs of the
 * type, keeps those matching every filter, sorts them and returns one page. Its cursor is an
 * offset (`offset.<n>`) into the sorted matches; `total` counts them.
 */
export async function searchJobs(
  options: { readonly queues: JobQueues; readonly lookup: JobLookup },
  query: ListJobsQuery,
  now = Date.now(),
): Promise<JobList> {
  const offset = offsetOf(query.cursor);
  if (isPlainPage(query)) return plainPage(options, query, offset);
  const ids = (await options.queues.index.page({ type: query.type, limit: SEARCH_SCAN_LIMIT })).ids;
  const views: JobView[] = [];
  for (let start = 0; start < ids.length; start += READ_BATCH) {
    const found = await Promise.all(
      ids.slice(start, start + READ_BATCH).map((id) => options.lookup.find(id)),
    );
    for (const job of found) if (job !== undefined) views.push(toListView(toJobView(job)));
  }
  const matches = views.filter((view) => matchesQuery(view, query));
  const sorted = sortJobs(matches, query.sort ?? 'createdAt', query.order ?? 'desc', now);
  const end = offset + query.limit;
  return {
    items: sorted.slice(offset, end),
    nextCursor: end < sorted.length ? `offset.${end}` : null,
    total: sorted.length,
  };
}

/** No filter but the type, in creation order: the index answers the page by itself. */
function isPlainPage(query: ListJobsQuery): boolean {
  return (
    (query.sort ?? 'createdAt') === 'createdAt' &&
    query.q === undefined &&
    query.tag === undefined &&
    query.model === undefined &&
    query.state === undefined
  );
}

/**
 * A page read by position in the job index, without reading the jobs around it: what the
 * dashboard's default list asks every two seconds. `total` counts the index's entries (a job
 * expired from Redis but still indexed is counted, though never listed).
 */
async function plainPage(
  options: { readonly queues: JobQueues; readonly lookup: JobLookup },
  query: ListJobsQuery,
  offset: number,
): Promise<JobList> {
  const { ids, total } = await options.queues.index.range({
    type: query.type,
    offset,
    limit: query.limit,
    order: query.order ?? 'desc',
  });
  const found = await Promise.all(ids.map((id) => options.lookup.find(id)));
  const end = offset + ids.length;
  return {
    items: found.flatMap((job) => (job === undefined ? [] : [toListView(toJobView(job))])),
    nextCursor: end < total ? `offset.${end}` : null,
    total,
  };
}

function offsetOf(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^offset\.(\d{1,6})$/.exec(cursor);
  if (match === null)
    throw new InvalidCursorError('a search pages with the cursor its previous page returned');
  return Number(match[1]);
}

export function matchesQuery(view: JobView, query: ListJobsQuery): boolean {
  if (query.state !== undefined && view.state !== query.state) return false;
  const tags = (view.tags ?? []).map((tag) => tag.toLowerCase());
  if (query.tag !== undefined && !tags.includes(query.tag.toLowerCase())) return false;
  if (query.model !== undefined && modelOf(view) !== query.model) return false;
  if (query.q !== undefined && query.q !== '') {
    const text = query.q.toLowerCase();
    // A visualization job is found by its training job's id too.
    const parent = (view.params as { jobId?: unknown } | null)?.jobId;
    const haystack = [view.id, view.name ?? '', ...tags, typeof parent === 'string' ? parent : ''];
    if (!haystack.some((part) => part.toLowerCase().includes(text))) return false;
  }
  return true;
}

/** A train job's preset name, `custom` for a layer list; undefined for visualize jobs. */
export function modelOf(view: JobView): string | undefined {
  if (view.type !== 'train' || typeof view.params !== 'object' || view.params === null)
    return undefined;
  const { model } = view.params as { model?: { preset?: unknown } };
  if (model === undefined) return undefined;
  return typeof model.preset === 'string' ? model.preset : 'custom';
}

type SortValue = string | number | undefined;

/** Each column's value; undefined (no name, no history…) sorts last in either order. */
const SORT_KEYS: Readonly<Record<JobSortField, (view: JobView, now: number) => SortValue>> = {
  createdAt: (view) => view.createdAt,
  name: (view) => view.name?.toLowerCase() ?? undefined,
  state: (view) => view.state,
  type: (view) => view.type,
  model: (view) => modelOf(view),
  progress: (view) => progressOf(view),
  backend: (view) => view.backend ?? undefined,
  bestAccuracy: (view) => bestAccuracyOf(view),
  duration: (view, now) => durationOf(view, now),
};

export function sortJobs(
  views: readonly JobView[],
  field: JobSortField,
  order: 'asc' | 'desc',
  now: number,
): JobView[] {
  const key = SORT_KEYS[field];
  const direction = order === 'asc' ? 1 : -1;
  const keyed = views.map((view) => ({ view, value: key(view, now) }));
  keyed.sort((a, b) => {
    if (a.value === undefined || b.value === undefined) {
      if (a.value !== b.value) return a.value === undefined ? 1 : -1;
    } else if (a.value !== b.value) {
      return (a.value < b.value ? -1 : 1) * direction;
    }
    // Ties: newest first, then by id, so pages never overlap.
    if (a.view.createdAt !== b.view.createdAt) return a.view.createdAt < b.view.createdAt ? 1 : -1;
    return a.view.id < b.view.id ? 1 : -1;
  });
  return keyed.map((entry) => entry.view);
}

function progressOf(view: JobView): number {
  if (view.state === 'completed') return 1;
  const epochs = (view.params as { epochs?: unknown } | null)?.epochs;
  return typeof epochs === 'number' && epochs > 0 ? view.history.length / epochs : 0;
}

function bestAccuracyOf(view: JobView): number | undefined {
  let best: number | undefined;
  for (const record of view.history) {
    const value = record.val_accuracy ?? record.accuracy;
    if (typeof value === 'number' && (best === undefined || value > best)) best = value;
  }
  return best;
}

function durationOf(view: JobView, now: number): number | undefined {
  if (view.startedAt === null) return undefined;
  const end = view.finishedAt === null ? now : Date.parse(view.finishedAt);
  return end - Date.parse(view.startedAt);
}
