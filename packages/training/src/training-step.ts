import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { countCorrect, seedDropoutLayers, sparseCategoricalCrossentropy } from '@convoy/model';
import type { LabelledTensors } from './labelled-tensors.js';
import { GradientReplicas } from './parallel/gradient-replicas.js';

/** What one optimizer step on a batch reports: the batch's mean loss and its correct predictions. */
export interface StepResult {
  readonly loss: number;
  readonly correct: number;
}

/**
 * One optimizer step on a batch of the training set, however its gradients are computed. Both
 * implementations train the same model from the same seed, up to float rounding.
 */
export interface TrainingStep {
  /** Trains on the training set's rows `indices`, with dropout masks drawn from `dropoutSeed`. */
  run(indices: Int32Array, dropoutSeed: number): Promise<StepResult>;
  dispose(): Promise<void>;
}

export interface TrainingStepOptions {
  readonly model: LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly train: LabelledTensors;
  /** Threads in all (see trainingThreads); 1 trains on this thread alone. */
  readonly threads: number;
  readonly maxBatchSize: number;
}

/** The step on this thread alone: optimizer.minimize over the whole batch. */
class OneThreadStep implements TrainingStep {
  constructor(
    private readonly options: TrainingStepOptions,
    private readonly variables: tf.Variable[],
  ) {}

  async run(indices: Int32Array, dropoutSeed: number): Promise<StepResult> {
    const { model, optimizer, train } = this.options;
    seedDropoutLayers(model, dropoutSeed);
    let correct: tf.Scalar | null = null;
    const loss = tf.tidy(() => {
      const batchIndices = tf.tensor1d(indices, 'int32');
      const batchXs = tf.gather(train.xs, batchIndices);
      const batchYs = tf.gather(train.ys, batchIndices);
      return optimizer.minimize(
        () => {
          const probabilities = model.apply(batchXs, { training: true }) as tf.Tensor2D;
          correct = tf.keep(countCorrect(batchYs, probabilities));
          return sparseCategoricalCrossentropy(batchYs, probabilities);
        },
        true,
        this.variables,
      ) as tf.Scalar;
    });
    const hits = correct as tf.Scalar | null;
    const [lossValue, hitsValue] = await Promise.all([loss.data(), hits?.data()]);
    tf.dispose([loss, ...(hits ? [hits] : [])]);
    return { loss: lossValue[0] ?? Number.NaN, correct: hitsValue?.[0] ?? 0 };
  }

  async dispose(): Promise<void> {}
}

/** The step on replica threads: their summed gradients, applied here by the one optimizer. */
class ReplicaStep implements TrainingStep {
  constructor(
    private readonly options: TrainingStepOptions,
    private readonly variables: tf.Variable[],
    private readonly replicas: GradientReplicas,
  ) {}

  async run(indices: Int32Array, dropoutSeed: number): Promise<StepResult> {
    const batch = await this.replicas.computeGradients(indices, dropoutSeed, this.options.train);
    try {
      // Named in the variables' order: the optimizer keys its slots by position, as minimize() does.
      this.options.optimizer.applyGradients(
        Object.fromEntries(
          this.variables.map((variable, index) => [variable.name, batch.grads[index]!]),
        ),
      );
    } finally {
      tf.dispose(batch.grads);
    }
    return { loss: batch.loss, correct: batch.correct };
  }

  dispose(): Promise<void> {
    return this.replicas.dispose();
  }
}

/** The step for `threads`: this thread alone for one, else replica threads (started here). */
export async function startTrainingStep(options: TrainingStepOptions): Promise<TrainingStep> {
  const { model, train, threads } = options;
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  if (threads <= 1) return new OneThreadStep(options, variables);
  const replicas = await GradientReplicas.start({
    model,
    variables,
    threads,
    images: train.xs.dataSync() as Float32Array,
    labels: train.ys.dataSync() as Float32Array,
    maxBatchSize: options.maxBatchSize,
  });
  return new ReplicaStep(options, variables, replicas);
}
