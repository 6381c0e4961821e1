/* global clearInterval, console, process, setInterval, URL */
// What training really takes, beside estimateTrainingMemory (@convoy/schemas), on the wasm
// backend. Not a test (minutes, and machine-dependent): run after `npm run build`.
//
//   node scripts/measure-training-memory.mjs          one step per model: tf.js's tensor peak
//   node scripts/measure-training-memory.mjs --run    whole jobs through runTraining: peak RSS
//
// Each model runs in a fresh worker thread, as a worker's training thread does, because a wasm heap
// never shrinks. Step mode: one warm-up step (it creates the optimizer's slots), then one profiled
// step and one profiled validation pass; tf.profile's peakBytes is tf.js's own count of live tensor
// bytes at the worst moment, the coefficients of the estimate are fitted to it. Run mode: one epoch
// of a real job on the real data set, the process's RSS sampled every 10 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const softmax = { type: 'dense', units: 10, activation: 'softmax' };
const ISSUE_MODEL = {
  layers: [
    { type: 'conv2d', filters: 512, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 8 },
    { type: 'flatten' },
    softmax,
  ],
};

const STEP_CASES = [
  { name: 'cnn b32', params: { batchSize: 32 } },
  { name: 'cnn b256', params: { batchSize: 256 } },
  { name: 'cnn b1024', params: { batchSize: 1024 } },
  { name: 'cnn-avgpool b1024', params: { batchSize: 1024, model: { preset: 'cnn-avgpool' } } },
  {
    name: 'conv128 same, pool8 b256',
    params: {
      batchSize: 256,
      model: {
        layers: [
          { type: 'conv2d', filters: 128, kernelSize: 3, padding: 'same', activation: 'relu' },
          { type: 'maxPooling2d', poolSize: 8 },
          { type: 'flatten' },
          softmax,
        ],
      },
    },
  },
  {
    name: 'conv64 tanh, conv64, dense512, dropout b512',
    params: {
      batchSize: 512,
      model: {
        layers: [
          { type: 'conv2d', filters: 64, kernelSize: 3, activation: 'tanh' },
          { type: 'conv2d', filters: 64, kernelSize: 3, activation: 'relu' },
          { type: 'maxPooling2d', poolSize: 2 },
          { type: 'flatten' },
          { type: 'dense', units: 512, activation: 'relu' },
          { type: 'dropout', rate: 0.5 },
          softmax,
        ],
      },
    },
  },
  { name: "issue #11's model b64", params: { batchSize: 64, model: ISSUE_MODEL } },
  {
    name: 'dense1024 only, sgd b1024',
    params: {
      batchSize: 1024,
      optimizer: { name: 'sgd' },
      model: {
        layers: [{ type: 'flatten' }, { type: 'dense', units: 1024, activation: 'relu' }, softmax],
      },
    },
  },
];

const RUN_CASES = [
  {
    name: 'cnn b1024, 60,000 images, 1 thread',
    params: { epochs: 1, batchSize: 1024 },
    threads: 1,
  },
  {
    name: 'cnn b1024, 60,000 images, 2 threads',
    params: { epochs: 1, batchSize: 1024 },
    threads: 2,
  },
  {
    name: "issue #11's model b64, 1,300 images",
    params: { epochs: 1, batchSize: 64, dataset: { limit: 1300 }, model: ISSUE_MODEL },
    threads: 1,
  },
  {
    name: "issue #11's model b128, 1,300 images",
    params: { epochs: 1, batchSize: 128, dataset: { limit: 1300 }, model: ISSUE_MODEL },
    threads: 1,
  },
];

const VALIDATION_IMAGES = 500;
const MB = (bytes) => Math.round(bytes / 2 ** 20);

/** In a thread: one step of `params` on random data, profiled. */
async function measureStep(params) {
  const tf = await import('@tensorflow/tfjs-core');
  const { initializeBackend } = await import('@convoy/backend');
  const { buildModel, countCorrect, sparseCategoricalCrossentropy } = await import('@convoy/model');
  const { createOptimizer, evaluateModel } = await import('@convoy/training');
  await initializeBackend('wasm');
  const model = buildModel(params.model, { seed: 1 });
  const optimizer = createOptimizer(params.optimizer);
  const variables = model.trainableWeights.map((weight) => weight.read());
  const { batchSize } = params;
  const xs = tf.randomUniform([batchSize, 28, 28, 1]);
  const ys = tf.floor(tf.randomUniform([batchSize], 0, 10));
  // As the training loop's step: gather the batch, minimize the loss.
  const step = () =>
    tf.tidy(() => {
      const indices = tf.range(0, batchSize, 1, 'int32');
      const batchXs = tf.gather(xs, indices);
      const batchYs = tf.gather(ys, indices);
      const loss = optimizer.minimize(
        () => {
          const probabilities = model.apply(batchXs, { training: true });
          countCorrect(batchYs, probabilities);
          return sparseCategoricalCrossentropy(batchYs, probabilities);
        },
        true,
        variables,
      );
      loss.dataSync();
      return loss;
    });
  tf.dispose(step());
  // tf.profile answers with one object it reuses: read each result before the next profile.
  const trainingPeak = (await tf.profile(() => tf.dispose(step()))).peakBytes;
  const validation = {
    xs: tf.randomUniform([VALIDATION_IMAGES, 28, 28, 1]),
    ys: tf.floor(tf.randomUniform([VALIDATION_IMAGES], 0, 10)),
  };
  const validationPeak = (await tf.profile(() => evaluateModel(model, validation))).peakBytes;
  return { trainingPeak, validationPeak, wasmHeap: tf.backend().wasm.HEAPU8.buffer.byteLength };
}

/** In a thread: one epoch of a real job, as the worker's training thread runs it. */
async function measureRun({ params, threads, directory }) {
  const tf = await import('@tensorflow/tfjs-core');
  const { initializeBackend } = await import('@convoy/backend');
  const { createArtifactStore } = await import('@convoy/storage');
  const { runTraining } = await import('@convoy/training');
  const backend = await initializeBackend('wasm');
  const store = createArtifactStore({ artifactsDir: directory });
  await runTraining({
    params,
    artifacts: store.job('train_measure00'),
    dataDir: process.env.DATA_DIR ?? './var/data',
    backend,
    threads,
  });
  return { wasmHeap: tf.backend().wasm.HEAPU8.buffer.byteLength };
}

function inThread(data) {
  return new Promise((resolve, reject) => {
    const thread = new Worker(new URL(import.meta.url), { workerData: data });
    thread.once('message', resolve);
    thread.once('error', reject);
  });
}

async function stepTable(schemas) {
  const rows = [];
  for (const { name, params: input } of STEP_CASES) {
    const params = schemas.trainingParamsSchema.parse(input);
    const result = await inThread({ mode: 'step', params });
    // The estimate for what the measurement holds: the batch's images and 500 validation images.
    const images = params.batchSize + VALIDATION_IMAGES;
    const estimate = schemas.estimateTrainingMemory({
      ...params,
      dataset: { name: 'fashion-mnist', limit: images },
      validationSplit: VALIDATION_IMAGES / images,
    });
    const measured = Math.max(result.trainingPeak, result.validationPeak);
    const tensors = estimate.bytes - estimate.runtimeBytes;
    rows.push({
      case: name,
      'measured MB (step, validation)': `${MB(measured)} (${MB(result.trainingPeak)}, ${MB(result.validationPeak)})`,
      'estimate MB (without runtime)': MB(tensors),
      'estimate / measured': (tensors / measured).toFixed(2),
      'wasm heap MB': MB(result.wasmHeap),
    });
  }
  console.table(rows);
}

async function runTable(schemas) {
  const rows = [];
  for (const { name, params: input, threads } of RUN_CASES) {
    const params = schemas.trainingParamsSchema.parse(input);
    const estimate = schemas.estimateTrainingMemory(params);
    const directory = mkdtempSync(join(tmpdir(), 'convoy-memory-'));
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    try {
      const result = await inThread({ mode: 'run', params, threads, directory });
      rows.push({
        case: name,
        'peak RSS above baseline MB': MB(peak - baseline),
        'estimate MB': MB(estimate.bytes),
        'estimate / measured': (estimate.bytes / (peak - baseline)).toFixed(2),
        'training thread wasm heap MB': MB(result.wasmHeap),
      });
    } finally {
      clearInterval(sampler);
      rmSync(directory, { recursive: true, force: true });
    }
  }
  console.table(rows);
}

if (isMainThread) {
  const schemas = await import('@convoy/schemas');
  await (process.argv.includes('--run') ? runTable(schemas) : stepTable(schemas));
} else {
  const { mode, ...data } = workerData;
  parentPort.postMessage(mode === 'run' ? await measureRun(data) : await measureStep(data.params));
  // The backend's own threads would keep the thread alive.
  process.exit(0);
}
