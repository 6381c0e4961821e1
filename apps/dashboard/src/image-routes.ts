import { createHash } from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import {
  epochRecordSchema,
  INPUT_SHAPE,
  isTerminalState,
  jobIdSchema,
  modelSummarySchema,
  pngImageSchema,
  type EpochRecord,
  type JobView,
  type VisualizationManifest,
} from '@convoy/schemas';
import type { ArtifactInfo, ArtifactStore } from '@convoy/storage';
import type { DashboardClient } from './dashboard-client.js';
import { badRequest, HttpError, jobNotFound } from './http-error.js';
import { describeModel, shortId, trainingParamsOf, trainingResultOf } from './job-format.js';
import type { LruCache } from './lru-cache.js';
import {
  ARTIFACT_FILES,
  decodePngImage,
  pngBytesFromBase64,
  VisualizationInputError,
} from '@convoy/core';
import * as renderer from '@convoy/render';
import type { RenderedImage } from '@convoy/render';
import type { UploadStore } from './uploads.js';
import type {
  ResolvedVisualization,
  VisualizationRequest,
  VisualizationResolver,
} from './visualization-resolver.js';
import { trainJobRoute, type TrainJobHandler } from './train-job-route.js';

/** Bumped when the dashboard draws the same data differently: every ETag changes with it. */
export const RENDER_VERSION = 1;
/** Finished training jobs never change their artifacts: their images are cached for good. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Anything of a job still running: the browser revalidates (ETag → 304) every time. */
export const REVALIDATE = 'no-cache';

/** The PNGs the visualization endpoint draws; `input` is the input image of the feature maps. */
export const IMAGE_KINDS = [
  'filters',
  'weights-histogram',
  'feature-maps',
  'input',
  'confusion-matrix',
  'misclassified',
] as const;
/** The manifests the visualization endpoint returns as JSON (predictions have no picture). */
export const DATA_KINDS = [
  'filters',
  'weights-histogram',
  'feature-maps',
  'predictions',
  'confusion-matrix',
  'misclassified',
] as const;
type ImageKind = (typeof IMAGE_KINDS)[number];
type DataKind = (typeof DATA_KINDS)[number];

/** Query of the visualization endpoint; anything else (cache busters) is ignored. */
const visualizationQuerySchema = z.object({
  layer: z
    .string()
    .regex(/^(\d{1,2}|[a-z][a-z0-9_]{0,63})$/, 'a layer index (0–63) or a Keras layer name')
    .transform((value) => (/^\d+$/.test(value) ? Number(value) : value))
    .optional(),
  sample: z
    .string()
    .regex(/^\d{1,4}$/, 'a test-set index (0–9999)')
    .transform(Number)
    .optional(),
  upload: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'the id POST /uploads answered')
    .optional(),
  weights: z.enum(['trained', 'untrained']).default('trained'),
  /** Which input channel of a conv kernel the filter grid shows. */
  channel: z
    .string()
    .regex(/^\d{1,3}$/, 'an input channel index')
    .transform(Number)
    .optional(),
  /** Misclassified: which of the stored mistakes' images (`items[item]` of the manifest). */
  item: z
    .string()
    .regex(/^\d{1,4}$/, 'an item index')
    .transform(Number)
    .optional(),
  /** Confusion matrix: rows as fractions of each true class. */
  normalize: z.enum(['0', '1', 'true', 'false']).optional(),
});
type VisualizationQuery = z.output<typeof visualizationQuerySchema>;

const historySchema = z.array(epochRecordSchema);

export interface ImageRoutesOptions {
  readonly api: DashboardClient;
  readonly store: ArtifactStore;
  readonly resolver: VisualizationResolver;
  readonly uploads: UploadStore;
  /** Rendered images by ETag. */
  readonly images: LruCache<RenderedImage>;
}

/**
 * PNG endpoints: learning curves and architecture from a training job's artifacts, visualizations
 * from stored visualize results (asking the API for them when needed), compare curves, uploads.
 */
export function createImageRouter(options: ImageRoutesOptions): Router {
  const router = Router();
  const trainJob = trainJobRoute(options.api);

  for (const format of ['png', 'svg', 'pdf'] as const) {
    router.get(`/jobs/:id/curves.${format}`, trainJob(learningCurves(options, format)));
  }
  router.get('/jobs/:id/architecture.png', trainJob(architecture(options)));
  router.get('/jobs/:id/visualizations/:file', trainJob(visualization(options)));
  router.get('/compare/curves.png', compareCurves(options));
  router.post(
    '/uploads',
    express.json({ limit: '100kb' }),
    function storeUpload(request, response) {
      const parsed = pngImageSchema.safeParse(
        (request.body as { image?: unknown } | undefined)?.image,
      );
      if (!parsed.success) {
        throw badRequest('send { "image": "<base64 PNG>" } (a 28×28 grayscale PNG)', [
          { path: 'image', message: parsed.error.issues[0]?.message ?? 'invalid image' },
        ]);
      }
      // Checked here, once, rather than by every figure that would show it (the size above all).
      try {
        decodePngImage(pngBytesFromBase64(parsed.data));
      } catch (error) {
        if (!(error instanceof VisualizationInputError)) throw error;
        throw badRequest(`the image cannot be used: ${error.message}`, [
          { path: 'image', message: error.message },
        ]);
      }
      response.status(201).json({ upload: options.uploads.add(parsed.data) });
    },
  );
  return router;
}

/** A strong ETag from the parts that decide an image's bytes. */
export function etagOf(parts: readonly unknown[]): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([RENDER_VERSION, ...parts]))
    .digest('base64url')
    .slice(0, 32);
  return `"${hash}"`;
}

/**
 * Answers with an image: ETag and Cache-Control first, then 304 when the browser's copy matches,
 * else the bytes from the in-memory cache or freshly rendered.
 */
async function sendImage(
  request: Request,
  response: Response,
  images: LruCache<RenderedImage>,
  etag: string,
  immutable: boolean,
  render: () => Promise<RenderedImage> | RenderedImage,
): Promise<void> {
  response.set({ ETag: etag, 'Cache-Control': immutable ? IMMUTABLE : REVALIDATE });
  if (request.fresh) {
    response.status(304).end();
    return;
  }
  let image = images.get(etag);
  if (image === undefined) {
    try {
      image = await render();
    } catch (error) {
      if (error instanceof HttpError) throw error;
      // The renderers throw RangeError for data they cannot draw.
      throw new HttpError(500, 'RENDER_FAILED', 'the image could not be drawn', { cause: error });
    }
    images.set(etag, image);
  }
  response.status(200).set({
    'Content-Type': image.contentType,
    'Content-Length': String(image.data.byteLength),
  });
  response.end(image.data);
}

/** A training job's history: history.json (written after every epoch), else the job's own. */
async function historyOf(
  store: ArtifactStore,
  view: JobView,
): Promise<{ history: EpochRecord[]; info: ArtifactInfo | null }> {
  const artifacts = store.job(view.id);
  const info = await artifacts.stat(ARTIFACT_FILES.history);
  if (info !== null) {
    try {
      const parsed = historySchema.safeParse(
        JSON.parse((await artifacts.read(ARTIFACT_FILES.history)).toString('utf8')),
      );
      if (parsed.success) return { history: parsed.data, info };
    } catch {
      // Replaced between stat and read: the job's view has the same epochs.
    }
  }
  return { history: view.history, info: null };
}

function metricOf(request: Request): 'loss' | 'accuracy' {
  const metric = request.query.metric ?? 'loss';
  if (metric !== 'loss' && metric !== 'accuracy') {
    throw badRequest('metric must be loss or accuracy', [
      { path: 'metric', message: 'loss or accuracy' },
    ]);
  }
  return metric;
}

/** `GET /jobs/:id/curves.png|svg|pdf?metric=loss|accuracy`: the seed's loss vs val_loss plot. */
function learningCurves(
  options: ImageRoutesOptions,
  format: renderer.ImageFormat = 'png',
): TrainJobHandler {
  return async function learningCurvesImage(request, response, view) {
    const metric = metricOf(request);
    const { history, info } = await historyOf(options.store, view);
    if (history.length === 0) {
      throw new HttpError(404, 'NO_HISTORY', `job ${view.id} has not finished an epoch yet`);
    }
    const bestEpoch = trainingResultOf(view)?.bestEpoch ?? null;
    const source = info === null ? history : [info.size, info.modified.getTime()];
    const etag = etagOf(['curves', view.id, metric, bestEpoch, source, format]);
    const immutable = isTerminalState(view.state);
    await sendImage(request, response, options.images, etag, immutable, async () =>
      renderer.renderLearningCurves(history, { metric, bestEpoch, format }),
    );
  };
}

/** `GET /jobs/:id/architecture.png`: plot_model(show_shapes=True) from summary.json. */
function architecture(options: ImageRoutesOptions): TrainJobHandler {
  return async function architectureImage(request, response, view) {
    const artifacts = options.store.job(view.id);
    const info = await artifacts.stat(ARTIFACT_FILES.summary);
    if (info === null) {
      throw new HttpError(404, 'NO_SUMMARY', `job ${view.id} has no model summary yet`);
    }
    // `keras-shapes`: the input drawn as (None, 28, 28, 1) since, so older copies revalidate.
    const etag = etagOf([
      'architecture',
      'keras-shapes',
      view.id,
      info.size,
      info.modified.getTime(),
    ]);
    await sendImage(
      request,
      response,
      options.images,
      etag,
      isTerminalState(view.state),
      async () => {
        const summary = modelSummarySchema.parse(
          JSON.parse((await artifacts.read(ARTIFACT_FILES.summary)).toString('utf8')),
        );
        // With the batch dimension, as Keras' plot_model shows it: (None, 28, 28, 1).
        return renderer.renderArchitecture(summary, { inputShape: [null, ...INPUT_SHAPE] });
      },
    );
  };
}

/** `GET /compare/curves.png?ids=a,b&metric=`: several runs' curves on one chart. */
function compareCurves(options: ImageRoutesOptions): RequestHandler {
  return async function compareCurvesImage(request, response) {
    const metric = metricOf(request);
    const ids = idsOf(request.query.ids);
    if (ids.length < 1 || ids.length > 10) {
      throw badRequest('give 1 to 10 training job ids as ids=a,b', [
        { path: 'ids', message: '1 to 10 training job ids' },
      ]);
    }
    const runs = await Promise.all(
      ids.map(async (id) => {
        if (!jobIdSchema.safeParse(id).success || !id.startsWith('train_')) throw jobNotFound(id);
        const view = await options.api.findJob(id);
        if (view === undefined) throw jobNotFound(id);
        return { view, ...(await historyOf(options.store, view)) };
      }),
    );
    const etag = etagOf([
      'compare',
      metric,
      runs.map((run) =>
        run.info === null
          ? [run.view.id, run.history]
          : [run.view.id, run.info.size, run.info.modified.getTime()],
      ),
    ]);
    const immutable = runs.every((run) => isTerminalState(run.view.state));
    await sendImage(request, response, options.images, etag, immutable, async () =>
      renderer.renderLearningCurves([], {
        metric,
        runs: runs.map((run) => ({
          label: `${shortId(run.view.id)} ${describeModel(trainingParamsOf(run.view))}`,
          history: run.history,
        })),
      }),
    );
  };
}

/** `ids=a,b` or `ids=a&ids=b`. */
export function idsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return [
    ...new Set(
      list
        .filter((item): item is string => typeof item === 'string')
        .flatMap((item) => item.split(','))
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    ),
  ];
}

/**
 * `GET /jobs/:trainId/visualizations/<kind>.png|.json?layer=&sample=&upload=&weights=`: a
 * visualization of the training job's model. 202 `{ pending, jobId }` while a worker computes it;
 * then the PNG (drawn from the stored tensors) or the manifest.
 */
function visualization(options: ImageRoutesOptions): TrainJobHandler {
  return async function visualizationResource(request, response, view) {
    const file = String(request.params.file ?? '');
    const match = /^([a-z-]+)\.(png|json)$/.exec(file);
    const kind = match?.[1] ?? '';
    const format = match?.[2];
    const kinds: readonly string[] = format === 'json' ? DATA_KINDS : IMAGE_KINDS;
    if (!kinds.includes(kind)) {
      throw new HttpError(
        404,
        'NOT_FOUND',
        `no visualization ${JSON.stringify(file)}: use ${IMAGE_KINDS.join(', ')} (.png) or ${DATA_KINDS.join(', ')} (.json)`,
      );
    }
    const query = parseQuery(request);
    const visualizationRequest = requestFor(
      view.id,
      kind as ImageKind | DataKind,
      query,
      options.uploads,
    );
    const resolved = await options.resolver.resolve(visualizationRequest);
    if (resolved.status === 'pending') {
      response
        .status(202)
        .set({ 'Cache-Control': 'no-store', 'Retry-After': '1' })
        .json({ pending: true, jobId: resolved.jobId });
      return;
    }
    const immutable = isTerminalState(view.state);
    const { manifest } = resolved;
    if (format === 'json') {
      response.set({
        ETag: etagOf(['manifest', manifest.cacheKey, manifest.createdAt]),
        'Cache-Control': immutable ? IMMUTABLE : REVALIDATE,
      });
      if (request.fresh) {
        response.status(304).end();
        return;
      }
      response.json({ manifest });
      return;
    }
    // Trained and untrained histograms share one x axis: each is drawn over both kernels' range.
    let counterpart: Extract<ResolvedVisualization, { status: 'ready' }> | undefined;
    if (kind === 'weights-histogram') {
      const other = await options.resolver.resolve({
        ...visualizationRequest,
        weights: visualizationRequest.weights === 'trained' ? 'untrained' : 'trained',
      });
      if (other.status === 'pending') {
        response
          .status(202)
          .set({ 'Cache-Control': 'no-store', 'Retry-After': '1' })
          .json({ pending: true, jobId: other.jobId });
        return;
      }
      counterpart = other;
    }
    const renderOptions = renderOptionsOf(kind as ImageKind, query);
    const etag = etagOf([
      kind,
      manifest.cacheKey,
      manifest.createdAt,
      renderOptions,
      counterpart ? [counterpart.manifest.cacheKey, counterpart.manifest.createdAt] : null,
    ]);
    const read: TensorReader = (tensor) =>
      options.resolver.readTensor(view.id, resolved.directory, tensor);
    await sendImage(request, response, options.images, etag, immutable, async () =>
      counterpart === undefined
        ? drawVisualization(renderer, kind as ImageKind, resolved, renderOptions, read)
        : drawSharedHistogram(resolved, counterpart, read, (tensor) =>
            options.resolver.readTensor(view.id, counterpart.directory, tensor),
          ),
    );
  };
}

function parseQuery(request: Request): VisualizationQuery {
  const parsed = visualizationQuerySchema.safeParse(request.query);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }));
    throw badRequest(`invalid query: ${details[0]?.path}: ${details[0]?.message}`, details);
  }
  if (parsed.data.sample !== undefined && parsed.data.upload !== undefined) {
    throw badRequest('give either sample or upload, not both', [
      { path: 'upload', message: 'give either sample or upload, not both' },
    ]);
  }
  return parsed.data;
}

/** The visualize job a resource needs. Feature maps of every conv layer come from one job. */
function requestFor(
  jobId: string,
  kind: ImageKind | DataKind,
  query: VisualizationQuery,
  uploads: UploadStore,
): VisualizationRequest {
  const input = (): Pick<VisualizationRequest, 'sample' | 'image' | 'imageSha256'> => {
    if (query.upload === undefined) return { sample: query.sample ?? 0 };
    const image = uploads.get(query.upload);
    if (image === undefined) {
      throw new HttpError(404, 'UPLOAD_NOT_FOUND', 'the uploaded image is gone: upload it again');
    }
    return { image, imageSha256: query.upload };
  };
  switch (kind) {
    case 'filters':
    case 'weights-histogram':
      return { jobId, kind, weights: query.weights, layer: query.layer };
    case 'feature-maps':
    case 'input':
      return { jobId, kind: 'feature-maps', weights: query.weights, ...input() };
    case 'predictions':
      return { jobId, kind: 'predictions', weights: query.weights, ...input() };
    case 'confusion-matrix':
      return { jobId, kind: 'confusion-matrix', weights: query.weights };
    case 'misclassified':
      return { jobId, kind: 'misclassified', weights: query.weights };
  }
}

/** What, beyond the stored result, changes the picture (part of its ETag). */
function renderOptionsOf(kind: ImageKind, query: VisualizationQuery): Record<string, unknown> {
  switch (kind) {
    case 'filters':
      return { channel: query.channel ?? 0 };
    case 'feature-maps':
      return { layer: query.layer ?? null };
    case 'confusion-matrix':
      return { normalize: query.normalize === '1' || query.normalize === 'true' };
    case 'misclassified':
      return { item: query.item ?? 0 };
    default:
      return {};
  }
}

type TensorReader = (tensor: VisualizationManifest['tensors'][number]) => Promise<Float32Array>;

function tensorOf(manifest: VisualizationManifest, role: string, layer?: number | string) {
  const tensor = manifest.tensors.find(
    (candidate) =>
      candidate.role === role &&
      (layer === undefined ||
        (typeof layer === 'number'
          ? candidate.layer?.index === layer
          : candidate.layer?.name === layer)),
  );
  if (tensor === undefined) {
    const shown = manifest.tensors
      .filter((candidate) => candidate.role === role)
      .map(
        (candidate) =>
          `${candidate.layer?.index ?? '?'} ${candidate.layer?.name ?? candidate.name}`,
      );
    throw new HttpError(
      404,
      'NO_SUCH_TENSOR',
      layer === undefined
        ? `the visualization has no ${role} tensor`
        : `layer ${layer} is not among the visualized layers (${shown.join(', ') || 'none'})`,
    );
  }
  return tensor;
}

async function drawVisualization(
  render: typeof renderer,
  kind: ImageKind,
  resolved: Extract<ResolvedVisualization, { status: 'ready' }>,
  options: Record<string, unknown>,
  read: TensorReader,
): Promise<RenderedImage> {
  const { manifest } = resolved;
  switch (kind) {
    case 'filters': {
      const kernel = tensorOf(manifest, 'kernel');
      const [kh = 1, kw = 1, ci = 1, co = 1] = kernel.shape;
      const channel = Number(options.channel ?? 0);
      if (kernel.shape.length !== 4) {
        throw new HttpError(422, 'NOT_A_CONV_LAYER', 'filters are drawn for conv layers only');
      }
      if (channel >= ci) {
        throw badRequest(`channel ${channel} is out of range: the layer has ${ci} input channels`, [
          { path: 'channel', message: `0 to ${ci - 1}` },
        ]);
      }
      const layer = kernel.layer?.name ?? 'layer';
      return render.renderFilterGrid(await read(kernel), [kh, kw, ci, co], {
        inputChannel: channel,
        title: `${layer}: ${co} filters ${kh}×${kw}, input channel ${channel} (${manifest.weights})`,
      });
    }
    case 'weights-histogram': {
      if (manifest.kind !== 'weights-histogram') throw wrongManifest(kind);
      const kernel = tensorOf(manifest, 'kernel');
      return render.renderHistogram({
        counts: manifest.histogram.counts,
        edges: manifest.histogram.edges,
        mean: kernel.mean,
        std: kernel.std,
        title: `${kernel.layer?.name ?? 'kernel'} weights (${manifest.weights})`,
        xlabel: 'weight',
        ylabel: 'count',
      });
    }
    case 'feature-maps': {
      const layer = options.layer === null ? undefined : (options.layer as number | string);
      const activation = tensorOf(manifest, 'activation', layer);
      if (activation.shape.length !== 3) {
        throw new HttpError(422, 'NOT_A_FEATURE_MAP', 'feature maps need an [H, W, C] activation');
      }
      const [h = 1, w = 1, c = 1] = activation.shape;
      return render.renderFeatureMaps(await read(activation), [h, w, c], {
        cols: 8,
        title: `${activation.layer?.name ?? activation.name}: ${c} maps ${h}×${w}`,
      });
    }
    case 'input': {
      const input = tensorOf(manifest, 'input');
      return render.renderInputImage(await read(input), { scale: 5 });
    }
    case 'misclassified': {
      if (manifest.kind !== 'misclassified') throw wrongManifest(kind);
      const item = Number(options.item ?? 0);
      const count = manifest.misclassified.items.length;
      if (item >= count) {
        throw new HttpError(
          404,
          'NO_SUCH_ITEM',
          `item ${item} is out of range: ${count} misclassified images are stored`,
        );
      }
      const images = await read(tensorOf(manifest, 'images'));
      const pixels = 28 * 28;
      // A grid tile: the image alone (no axes), 84×84 plus a thin white margin.
      return render.renderInputImage(images.subarray(item * pixels, (item + 1) * pixels), {
        scale: 3,
        axes: false,
      });
    }
    case 'confusion-matrix': {
      if (manifest.kind !== 'confusion-matrix') throw wrongManifest(kind);
      const { confusion } = manifest;
      return render.renderConfusionMatrix(confusion.matrix, confusion.classNames, {
        normalize: options.normalize === true,
        title: `accuracy ${(confusion.accuracy * 100).toFixed(1)}% on ${confusion.images} test images`,
      });
    }
  }
}

/** Counts of `values` in `bins` equal-width bins over [low, high] (the last bin holds high). */
export function binOver(values: Float32Array, low: number, high: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const width = (high - low) / bins;
  for (const value of values) {
    const bin = width > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((value - low) / width))) : 0;
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts;
}

/**
 * A weight histogram drawn over the range of both its kernel and its counterpart's (trained vs
 * untrained), with the same bins: the two images share one x axis and their bars line up.
 */
async function drawSharedHistogram(
  resolved: Extract<ResolvedVisualization, { status: 'ready' }>,
  counterpart: Extract<ResolvedVisualization, { status: 'ready' }>,
  read: TensorReader,
  readCounterpart: TensorReader,
): Promise<RenderedImage> {
  const { manifest } = resolved;
  if (manifest.kind !== 'weights-histogram' || counterpart.manifest.kind !== 'weights-histogram')
    throw wrongManifest('weights-histogram');
  const kernel = tensorOf(manifest, 'kernel');
  const other = tensorOf(counterpart.manifest, 'kernel');
  let low = Math.min(kernel.min, other.min);
  let high = Math.max(kernel.max, other.max);
  if (low === high) [low, high] = [low - 0.5, high + 0.5];
  const bins = manifest.histogram.bins;
  const edges = Array.from({ length: bins + 1 }, (_, index) =>
    index === bins ? high : low + ((high - low) * index) / bins,
  );
  // Read both, so a counterpart whose file is gone fails here rather than drawing half a pair.
  const [values, otherValues] = await Promise.all([read(kernel), readCounterpart(other)]);
  const counts = binOver(values, low, high, bins);
  // The same y axis too: the tick labels' width sets the plot's left edge, hence the x axis's place.
  const yMax = Math.max(...counts, ...binOver(otherValues, low, high, bins));
  const spans = [kernel, other].flatMap((tensor) => [
    tensor.mean - tensor.std,
    tensor.mean + tensor.std,
  ]);
  return renderer.renderHistogram({
    counts,
    edges,
    yMax,
    mean: kernel.mean,
    std: kernel.std,
    title: `${kernel.layer?.name ?? 'kernel'} weights (${manifest.weights})`,
    xlabel: 'weight',
    ylabel: 'count',
    xRange: [Math.min(low, ...spans), Math.max(high, ...spans)],
  });
}

function wrongManifest(kind: string): HttpError {
  return new HttpError(502, 'BAD_VISUALIZATION_RESULT', `the stored result is not a ${kind}`);
}
