import { z } from 'zod';
import { jobIdSchema } from './jobs.js';

/**
 * The result of a visualization job: a JSON manifest (`manifest.json`) plus one raw tensor file per
 * entry of `tensors`, all in the job's artifact directory. Worker, API and dashboard share it.
 *
 * Tensor files are raw IEEE-754 float32, little-endian, row-major (C order, the last axis varies
 * fastest), with no header: a file holds exactly 4 × product(shape) bytes. Shapes follow Keras:
 * a conv kernel is [KH, KW, CI, CO], a feature map [H, W, C], an input image [28, 28].
 */
export const VISUALIZATION_MANIFEST_VERSION = 1;
/** The file extension of a raw float32 tensor. */
export const TENSOR_FILE_EXTENSION = '.f32';

/** A layer of the model, as `model.layers[index]` in Keras and as a row of the model summary. */
export const visualizationLayerSchema = z.strictObject({
  /** Position in the model's layer list (the summary's row; the input layer is not counted). */
  index: z.int().min(0),
  /** Keras name: `conv2d`, `conv2d_1`, `dense`, … */
  name: z.string().min(1),
  /** Keras class: `Conv2D`, `Dense`, … */
  className: z.string().min(1),
});

/**
 * What a tensor holds; a manifest has at most one of each role except `activation`. `images`,
 * `labels`, `predicted` and `confidence` belong to `misclassified`: a stack of test images [K, 28,
 * 28], and per test image its true class, predicted class (class ids as floats) and the predicted
 * class's probability.
 */
export const TENSOR_ROLES = [
  'kernel',
  'bias',
  'input',
  'activation',
  'probabilities',
  'images',
  'labels',
  'predicted',
  'confidence',
] as const;
export const tensorRoleSchema = z.enum(TENSOR_ROLES);

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const visualizationTensorSchema = z.strictObject({
  /** Unique within the manifest: the role, or for an activation its layer's name. */
  name: z.string().min(1),
  role: tensorRoleSchema,
  /** File name beside the manifest; a plain name (no directories), safe to join to a path. */
  file: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,123}\.f32$/, 'a plain lowercase file name ending in .f32'),
  /** Every dimension ≥ 1; the file holds 4 × product(shape) bytes. */
  shape: z.array(z.int().min(1)).min(1).max(8),
  dtype: z.literal('float32'),
  /** The layer the tensor belongs to (kernel, bias and activations). */
  layer: visualizationLayerSchema.optional(),
  min: finite,
  max: finite,
  mean: finite,
  /** Population standard deviation (numpy's `std()`, ddof = 0). */
  std: finite,
});

/** Where the input image of a feature-map or prediction view came from. */
export const visualizationInputSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('test-set'),
    /** Index in the 10,000-image test set. */
    sample: z.int().min(0),
    /** True class id and its name. */
    label: z.int().min(0),
    className: z.string(),
  }),
  z.strictObject({
    source: z.literal('upload'),
    /** sha256 (hex) of the uploaded PNG file's bytes. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
]);

export const classPredictionSchema = z.strictObject({
  classIndex: z.int().min(0),
  className: z.string(),
  probability: z.number().min(0).max(1),
});

/**
 * The seed's `plt.hist(weights)`: counts of the kernel's values in `bins` equal-width bins between
 * the smallest and largest value (numpy.histogram: the last bin includes its right edge). The raw
 * values are the `kernel` tensor, so a viewer can rebin them.
 */
export const weightsHistogramSchema = z.strictObject({
  bins: z.int().min(1),
  /** bins + 1 ascending edges. */
  edges: z.array(finite).min(2),
  /** bins counts; they add up to the number of values. */
  counts: z.array(z.int().min(0)).min(1),
});

/** Predictions over the whole test set. */
export const confusionSummarySchema = z.strictObject({
  classNames: z.array(z.string()).min(1),
  /** matrix[true class][predicted class] = number of test images. */
  matrix: z.array(z.array(z.int().min(0))),
  /** Per true class: diagonal / row total; null for a class without test images. */
  perClassAccuracy: z.array(z.number().min(0).max(1).nullable()),
  /** Correct predictions / images. */
  accuracy: z.number().min(0).max(1),
  images: z.int().min(0),
});

/** A misclassified test image: its index, true and predicted class, and the model's confidence. */
export const misclassifiedItemSchema = z.strictObject({
  /** Index in the test set. */
  sample: z.int().min(0),
  label: z.int().min(0),
  labelName: z.string(),
  predicted: z.int().min(0),
  predictedName: z.string(),
  /** Probability the model gave its (wrong) prediction. */
  confidence: z.number().min(0).max(1),
  /** Probability the model gave the true class. */
  trueProbability: z.number().min(0).max(1),
});

/** The test set's mistakes: counts per class and the most confident ones of each true class. */
export const misclassifiedSummarySchema = z.strictObject({
  classNames: z.array(z.string()).min(1),
  /** Test images looked at, and how many of them the model got wrong. */
  images: z.int().min(0),
  errors: z.int().min(0),
  /** Test images per true class, and mistakes per true class. */
  perClassImages: z.array(z.int().min(0)),
  perClassErrors: z.array(z.int().min(0)),
  /**
   * Up to `perClass` mistakes of each true class, most confident first; item i's pixels are
   * `images[i]`. Sorted by true class, then confidence.
   */
  perClass: z.int().min(1),
  items: z.array(misclassifiedItemSchema),
});

const tensors = z.array(visualizationTensorSchema);

/** What the compute functions produce, per kind: the manifest without its envelope. */
export const filtersContentSchema = z.strictObject({
  kind: z.literal('filters'),
  layer: visualizationLayerSchema,
  /** `kernel` [KH, KW, CI, CO] and, when the layer has one, `bias` [CO]. */
  tensors,
});
export const weightsHistogramContentSchema = z.strictObject({
  kind: z.literal('weights-histogram'),
  layer: visualizationLayerSchema,
  /** `kernel` (its mean and std are the seed's `conv_weights.mean(), conv_weights.std()`). */
  tensors,
  histogram: weightsHistogramSchema,
});
export const featureMapsContentSchema = z.strictObject({
  kind: z.literal('feature-maps'),
  /** The conv layers shown, in model order. */
  layers: z.array(visualizationLayerSchema).min(1),
  /** `input` [28, 28] in [0, 1], then one `activation` [H, W, C] per layer (named after it). */
  tensors,
  input: visualizationInputSchema,
});
export const predictionsContentSchema = z.strictObject({
  kind: z.literal('predictions'),
  /** `input` [28, 28] and `probabilities` [10]. */
  tensors,
  input: visualizationInputSchema,
  /** The top classes, most probable first. */
  predictions: z.array(classPredictionSchema).min(1),
});
export const confusionMatrixContentSchema = z.strictObject({
  kind: z.literal('confusion-matrix'),
  /** None: the matrix is small enough to live in the manifest. */
  tensors,
  confusion: confusionSummarySchema,
});

export const misclassifiedContentSchema = z.strictObject({
  kind: z.literal('misclassified'),
  /**
   * `images` [items, 28, 28] (absent when there is no mistake), and `labels`, `predicted` and
   * `confidence` [test images]: every test image's true class, prediction and its probability,
   * so a viewer can pick any image of a class, or any mistake.
   */
  tensors,
  misclassified: misclassifiedSummarySchema,
});

const envelope = {
  version: z.literal(VISUALIZATION_MANIFEST_VERSION),
  /** The training job whose model was inspected. */
  trainJobId: jobIdSchema.refine((id) => id.startsWith('train_'), 'must name a training job'),
  /** Which of its models: the best trained one (`model/`) or the untrained one (`initial/`). */
  weights: z.enum(['trained', 'untrained']),
  /** visualizationCacheKey of the request: equal requests map to the same stored result. */
  cacheKey: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.iso.datetime(),
  /**
   * Which save of the model it was computed from (`artifactVersion` of its model.json): a model
   * saved since makes the result stale. Absent in manifests written before it existed.
   */
  modelVersion: z.string().min(1).max(200).optional(),
};

type Issue = { path: (string | number)[]; message: string };

/** Cross-field rules the per-field schemas cannot express. */
function contentIssues(content: z.infer<typeof visualizationContentSchema>): Issue[] {
  const issues: Issue[] = [];
  const names = new Set<string>();
  const files = new Set<string>();
  content.tensors.forEach((tensor, index) => {
    if (names.has(tensor.name))
      issues.push({ path: ['tensors', index, 'name'], message: 'duplicate tensor name' });
    if (files.has(tensor.file))
      issues.push({ path: ['tensors', index, 'file'], message: 'duplicate tensor file' });
    names.add(tensor.name);
    files.add(tensor.file);
    if (tensor.min > tensor.max || tensor.mean < tensor.min || tensor.mean > tensor.max)
      issues.push({ path: ['tensors', index], message: 'min ≤ mean ≤ max does not hold' });
  });
  const roles = content.tensors.map((tensor) => tensor.role);
  const need = (role: (typeof TENSOR_ROLES)[number]) => {
    if (!roles.includes(role))
      issues.push({ path: ['tensors'], message: `${content.kind} needs a ${role} tensor` });
  };
  switch (content.kind) {
    case 'filters':
    case 'weights-histogram':
      need('kernel');
      break;
    case 'feature-maps':
      need('input');
      if (roles.filter((role) => role === 'activation').length !== content.layers.length)
        issues.push({ path: ['tensors'], message: 'one activation tensor per layer' });
      break;
    case 'predictions':
      need('input');
      need('probabilities');
      content.predictions.forEach((prediction, index) => {
        const previous = content.predictions[index - 1];
        if (previous && previous.probability < prediction.probability)
          issues.push({ path: ['predictions', index], message: 'not sorted, most probable first' });
      });
      break;
    case 'confusion-matrix':
      break;
    case 'misclassified':
      need('labels');
      need('predicted');
      need('confidence');
      if (content.misclassified.items.length > 0) need('images');
      break;
  }
  if (content.kind === 'weights-histogram') {
    const { bins, edges, counts } = content.histogram;
    if (edges.length !== bins + 1)
      issues.push({ path: ['histogram', 'edges'], message: 'needs bins + 1 edges' });
    if (counts.length !== bins)
      issues.push({ path: ['histogram', 'counts'], message: 'needs one count per bin' });
    if (edges.some((edge, index) => index > 0 && edge <= (edges[index - 1] ?? edge)))
      issues.push({ path: ['histogram', 'edges'], message: 'edges must ascend' });
  }
  if (content.kind === 'confusion-matrix') {
    const { classNames, matrix, perClassAccuracy, images } = content.confusion;
    const size = classNames.length;
    if (matrix.length !== size || matrix.some((row) => row.length !== size))
      issues.push({ path: ['confusion', 'matrix'], message: `must be ${size} × ${size}` });
    if (perClassAccuracy.length !== size)
      issues.push({ path: ['confusion', 'perClassAccuracy'], message: `needs ${size} entries` });
    if (matrix.flat().reduce((total, count) => total + count, 0) !== images)
      issues.push({ path: ['confusion', 'images'], message: 'must equal the sum of the matrix' });
  }
  if (content.kind === 'misclassified') {
    const { items, errors, perClassErrors, perClassImages, classNames, images } =
      content.misclassified;
    if (perClassErrors.length !== classNames.length || perClassImages.length !== classNames.length)
      issues.push({
        path: ['misclassified'],
        message: `needs ${classNames.length} per-class counts`,
      });
    if (perClassErrors.reduce((total, count) => total + count, 0) !== errors)
      issues.push({ path: ['misclassified', 'errors'], message: 'must equal the per-class sum' });
    if (perClassImages.reduce((total, count) => total + count, 0) !== images)
      issues.push({ path: ['misclassified', 'images'], message: 'must equal the per-class sum' });
    items.forEach((item, index) => {
      if (item.label === item.predicted)
        issues.push({ path: ['misclassified', 'items', index], message: 'not a mistake' });
    });
  }
  return issues;
}

const checkContent = (
  content: z.infer<typeof visualizationContentSchema>,
  context: z.RefinementCtx,
) => {
  for (const issue of contentIssues(content)) context.addIssue({ code: 'custom', ...issue });
};

export const visualizationContentSchema = z
  .discriminatedUnion('kind', [
    filtersContentSchema,
    weightsHistogramContentSchema,
    featureMapsContentSchema,
    predictionsContentSchema,
    confusionMatrixContentSchema,
    misclassifiedContentSchema,
  ])
  .superRefine((content, context) => checkContent(content, context));

/** `manifest.json` of a visualization job. */
export const visualizationManifestSchema = z
  .discriminatedUnion('kind', [
    filtersContentSchema.extend(envelope),
    weightsHistogramContentSchema.extend(envelope),
    featureMapsContentSchema.extend(envelope),
    predictionsContentSchema.extend(envelope),
    confusionMatrixContentSchema.extend(envelope),
    misclassifiedContentSchema.extend(envelope),
  ])
  .superRefine((manifest, context) => checkContent(manifest, context));

export type VisualizationLayer = z.infer<typeof visualizationLayerSchema>;
export type TensorRole = z.infer<typeof tensorRoleSchema>;
export type VisualizationTensor = z.infer<typeof visualizationTensorSchema>;
export type VisualizationInput = z.infer<typeof visualizationInputSchema>;
export type ClassPrediction = z.infer<typeof classPredictionSchema>;
export type WeightsHistogram = z.infer<typeof weightsHistogramSchema>;
export type ConfusionSummary = z.infer<typeof confusionSummarySchema>;
export type MisclassifiedItem = z.infer<typeof misclassifiedItemSchema>;
export type MisclassifiedSummary = z.infer<typeof misclassifiedSummarySchema>;
export type VisualizationContent = z.infer<typeof visualizationContentSchema>;
export type VisualizationManifest = z.infer<typeof visualizationManifestSchema>;
/** The content of one kind, e.g. `VisualizationContentOf<'filters'>`. */
export type VisualizationContentOf<K extends VisualizationContent['kind']> = Extract<
  VisualizationContent,
  { kind: K }
>;
export type VisualizationManifestOf<K extends VisualizationManifest['kind']> = Extract<
  VisualizationManifest,
  { kind: K }
>;

/** Where a visualization job's output lives: under its training job, keyed by the request. */
export const visualizationJobResultSchema = z.object({
  trainJobId: z.string(),
  cacheKey: z.string().regex(/^[0-9a-f]{64}$/),
  /** Directory within the training job's artifacts holding manifest.json and the tensor files. */
  path: z.string(),
  /** True when an earlier identical request's stored result was returned without recomputing. */
  cached: z.boolean(),
  seconds: z.number(),
  manifest: visualizationManifestSchema,
});
export type VisualizationJobResult = z.infer<typeof visualizationJobResultSchema>;
