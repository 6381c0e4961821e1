import { IMAGE_PIXELS, NUM_CLASSES } from './fashion-mnist.js';
import { kerasClassName, kerasLayerNames } from './layer-names.js';
import type { Activation, LayerSpec } from './model-spec.js';
import { resolveModelLayers } from './presets.js';
import { inferLayerShapes } from './shape-inference.js';
import type { TrainingParams } from './training-params.js';

/**
 * How much memory training a model takes, from its spec alone (no tf.js): the API refuses a job
 * whose estimate is over MAX_JOB_MEMORY_MB before it is queued, and the worker checks again.
 *
 * The model follows what tf.js does in one training step (`optimizer.minimize`, see
 * docs/operations.md#memory-budget):
 * - **resident**: the weights, their gradients and the optimizer's slots (Adam and RMSprop two per
 *   weight, plain SGD none), and the job's images and labels as float32 tensors;
 * - **forward**: every activation the backward pass reads, kept until the step ends: one tensor per
 *   conv or dense layer whose activation tf.js fuses into the kernel (linear, relu, elu), two
 *   otherwise (the pre-activation too), pooling outputs, dropout's mask and output; flatten only
 *   reshapes;
 * - **backward**: the gradient buffers alive at once while the costliest layer is differentiated
 *   (the gradient arriving, the activation's derivative, the gradient passed down, and for conv the
 *   transposed copies Convoy's wasm kernels compute the filter gradient from).
 * Validation runs in inference mode in batches of EVALUATION_BATCH_SIZE, every layer's output alive
 * until the batch ends; the peak is the larger of the training step and a validation batch.
 * Calibrated against tf.js's own count of live tensor bytes (tf.profile) on the wasm backend.
 */

/** Validation batches (inference mode) of the training loop. */
export const EVALUATION_BATCH_SIZE = 500;
/** Images in the training pool a job's `dataset.limit` selects from. */
export const TRAINING_POOL_IMAGES = 60_000;

const FLOAT_BYTES = 4;
const MIB = 2 ** 20;
/** A training thread's own runtime: its V8 isolate, tf.js and the wasm module (measured ≈100 MB). */
export const RUNTIME_BYTES = 128 * MIB;
/** Activations tf.js fuses into conv2d and matMul kernels (one output tensor, no pre-activation). */
const FUSED_ACTIVATIONS: ReadonlySet<Activation> = new Set(['linear', 'relu', 'elu']);
/** Optimizer state per weight (Keras's settings: Adam m and v; RMSprop mean square and momentum). */
const OPTIMIZER_SLOTS: Readonly<Record<TrainingParams['optimizer']['name'], number>> = {
  adam: 2,
  rmsprop: 2,
  sgd: 0,
};

/** One layer's share of the peak. */
export interface LayerMemory {
  readonly index: number;
  readonly name: string;
  readonly className: string;
  /** Per image, without the batch axis. */
  readonly outputShape: readonly number[];
  readonly bytes: number;
}

export interface MemoryEstimate {
  /** The estimated peak, in bytes. */
  readonly bytes: number;
  /** What the peak is: a training step, or a validation batch in inference mode. */
  readonly phase: 'training' | 'validation';
  /** Images per training step (batchSize, or every training image when there are fewer). */
  readonly batchSize: number;
  /** Images per validation batch (0 without validation). */
  readonly validationBatchSize: number;
  /** Weights, gradients and optimizer state. */
  readonly parameterBytes: number;
  /** The job's images and labels, and the copy data-parallel training gives its replica threads. */
  readonly dataBytes: number;
  /** The training thread's runtime (RUNTIME_BYTES). */
  readonly runtimeBytes: number;
  /** A training step's activations and gradient buffers per image of its batch. */
  readonly trainingBytesPerImage: number;
  /** A validation batch's activations. */
  readonly validationBytes: number;
  /** Each layer's share of the peak phase, in model order. */
  readonly layers: readonly LayerMemory[];
  /** The layer with the largest share. */
  readonly largest: LayerMemory;
}

interface LayerCost {
  /** Floats per image kept from the forward pass until the step ends. */
  readonly kept: number;
  /** Floats per image alive while this layer's gradients are computed. */
  readonly backward: number;
  /** Floats per image alive at the end of an inference batch. */
  readonly inference: number;
}

/**
 * Floats per image, measured with tf.profile on the wasm backend (scripts/measure-training-memory.mjs)
 * and rounded up. In a training step tf.js runs conv and dense layers unfused (conv or matMul, bias
 * add, activation: three outputs kept) and its relu, dropout and conv gradients each make several
 * full-size temporaries; a flatten feeding a dense layer is copied; at inference conv and dense
 * layers fuse their bias and a relu, linear or elu activation into one output.
 */
function layerCost(layer: LayerSpec, input: number, output: number): LayerCost {
  switch (layer.type) {
    case 'conv2d':
      return {
        kept: ((layer.useBias ? 1 : 0) + (layer.activation === 'linear' ? 1 : 2)) * output,
        backward: 8.5 * output + 2 * input,
        inference: activationCopies(layer.activation) * output,
      };
    case 'dense':
      return {
        kept: (FUSED_ACTIVATIONS.has(layer.activation) ? 7 : 11) * output,
        backward: 10 * output + 2 * input,
        inference: (activationCopies(layer.activation) + 1) * output,
      };
    case 'maxPooling2d':
    case 'averagePooling2d':
      return { kept: 2 * output, backward: output + 2 * input, inference: output };
    case 'flatten':
      return { kept: 2 * output, backward: output + input, inference: output };
    case 'dropout':
      // tf.js applies dropout only for a rate in (0, 1), and never at inference: the random
      // numbers, the mask, and the scaled output.
      return layer.rate > 0
        ? { kept: 4 * output, backward: 2 * output + 2 * input, inference: 0 }
        : { kept: 0, backward: 0, inference: 0 };
  }
}

const activationCopies = (activation: Activation) => (FUSED_ACTIVATIONS.has(activation) ? 1 : 2);

const product = (shape: readonly number[]) => shape.reduce((total, size) => total * size, 1);

/** Training and validation images the job's `dataset.limit` and `validationSplit` give. */
export function splitSizes(params: Pick<TrainingParams, 'dataset' | 'validationSplit'>): {
  train: number;
  validation: number;
} {
  const images = params.dataset.limit ?? TRAINING_POOL_IMAGES;
  const validation = Math.round(images * params.validationSplit);
  return { train: images - validation, validation };
}

/** The memory a training job's spec needs at its peak (see the module comment for the model). */
export function estimateTrainingMemory(
  params: Pick<TrainingParams, 'model' | 'batchSize' | 'optimizer' | 'dataset' | 'validationSplit'>,
): MemoryEstimate {
  const layers = resolveModelLayers(params.model);
  const shapes = inferLayerShapes(layers);
  const names = kerasLayerNames(layers);
  const sizes = splitSizes(params);
  const batchSize = Math.min(params.batchSize, sizes.train);
  const validationBatchSize = Math.min(EVALUATION_BATCH_SIZE, sizes.validation);

  const costs = layers.map((layer, index) => {
    const input = index === 0 ? IMAGE_PIXELS : product(shapes[index - 1]?.outputShape ?? []);
    return layerCost(layer, input, product(shapes[index]?.outputShape ?? []));
  });
  const costliest = costs.reduce(
    (best, cost, index) => (cost.backward > (costs[best]?.backward ?? 0) ? index : best),
    0,
  );
  // The batch's images (gathered, and copied for the first layer's gradient), labels, and the
  // loss's per-image terms.
  const batchFloats = 3 * IMAGE_PIXELS + 1 + 2 * NUM_CLASSES;
  const trainingShares = costs.map(
    (cost, index) => cost.kept + (index === costliest ? cost.backward : 0),
  );
  const trainingBytesPerImage =
    FLOAT_BYTES * (batchFloats + trainingShares.reduce((total, share) => total + share, 0));
  const inferenceShares = costs.map((cost) => cost.inference);
  const validationBytes =
    validationBatchSize === 0
      ? 0
      : FLOAT_BYTES *
        validationBatchSize *
        (IMAGE_PIXELS + inferenceShares.reduce((total, share) => total + share, 0));

  const parameters = shapes.reduce((total, shape) => total + shape.params, 0);
  const parameterBytes = FLOAT_BYTES * parameters * (2 + OPTIMIZER_SLOTS[params.optimizer.name]);
  const dataBytes = FLOAT_BYTES * (2 * sizes.train + sizes.validation) * (IMAGE_PIXELS + 1);

  const trainingBytes = batchSize * trainingBytesPerImage;
  const phase = trainingBytes >= validationBytes ? 'training' : 'validation';
  const shareBytes = (index: number) =>
    phase === 'training'
      ? FLOAT_BYTES * batchSize * (trainingShares[index] ?? 0)
      : FLOAT_BYTES * validationBatchSize * (inferenceShares[index] ?? 0);
  const layerMemory: LayerMemory[] = layers.map((layer, index) => ({
    index,
    name: names[index] ?? '',
    className: kerasClassName(layer),
    outputShape: shapes[index]?.outputShape ?? [],
    bytes: shareBytes(index),
  }));
  const largest = layerMemory.reduce((best, layer) => (layer.bytes > best.bytes ? layer : best));
  return {
    bytes: RUNTIME_BYTES + parameterBytes + dataBytes + Math.max(trainingBytes, validationBytes),
    phase,
    batchSize,
    validationBatchSize,
    parameterBytes,
    dataBytes,
    runtimeBytes: RUNTIME_BYTES,
    trainingBytesPerImage,
    validationBytes,
    layers: layerMemory,
    largest,
  };
}

const megabytes = (bytes: number) => Math.ceil(bytes / MIB).toLocaleString('en-US');

/** The largest batch size whose estimate fits `boundBytes` (0 when none does). */
export function largestBatchSizeWithin(estimate: MemoryEstimate, boundBytes: number): number {
  const room = boundBytes - estimate.runtimeBytes - estimate.parameterBytes - estimate.dataBytes;
  if (room < estimate.validationBytes || estimate.trainingBytesPerImage === 0) return 0;
  return Math.floor(room / estimate.trainingBytesPerImage);
}

/** Where an over-budget estimate should be fixed, and why, for a 400's details. */
export interface MemoryOverrun {
  readonly message: string;
  /** Paths in the training params (`batchSize`, `model.layers.2`), each with what to change. */
  readonly details: readonly { readonly path: (string | number)[]; readonly message: string }[];
}

/**
 * Why a job over the memory bound is refused, in words a user can act on: the estimate, the bound
 * and the largest contributor (which layer, at which batch size), and what would fit.
 */
export function describeMemoryOverrun(
  params: Pick<TrainingParams, 'model'>,
  estimate: MemoryEstimate,
  boundMegabytes: number,
): MemoryOverrun {
  const { largest } = estimate;
  const fits = largestBatchSizeWithin(estimate, boundMegabytes * MIB);
  const layerText = `layer ${largest.index} "${largest.name}" (${largest.className}, output ${largest.outputShape.join('×')})`;
  const where =
    estimate.phase === 'training'
      ? `a training step at batch size ${estimate.batchSize}`
      : `a validation batch of ${estimate.validationBatchSize} images`;
  const remedy =
    fits > 0
      ? `lower batchSize to ${fits} or less, or make that layer smaller`
      : 'make that layer smaller: no batch size fits';
  const message =
    `the model needs an estimated ${megabytes(estimate.bytes)} MB to train, over the limit of ` +
    `${boundMegabytes.toLocaleString('en-US')} MB (MAX_JOB_MEMORY_MB); the largest part is ${layerText}: ` +
    `${megabytes(largest.bytes)} MB in ${where}. To fit, ${remedy}`;
  const layerPath = 'layers' in params.model ? ['model', 'layers', largest.index] : ['model'];
  return {
    message,
    details: [
      {
        path: layerPath,
        message: `${megabytes(largest.bytes)} MB of activations and gradients in ${where}: the largest part of the ${megabytes(estimate.bytes)} MB estimate (limit ${boundMegabytes.toLocaleString('en-US')} MB)`,
      },
      ...(fits > 0 && fits < estimate.batchSize
        ? [{ path: ['batchSize'], message: `at most ${fits} fits within the memory limit` }]
        : []),
    ],
  };
}
