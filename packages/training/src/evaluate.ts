import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { countCorrect, sparseCategoricalCrossentropy } from '@convoy/model';
import { EVALUATION_BATCH_SIZE } from '@convoy/schemas';
import type { LabelledTensors } from './labelled-tensors.js';

/** Loss and accuracy over a whole set, in inference mode (dropout off). */
export async function evaluateModel(
  model: LayersModel,
  data: LabelledTensors,
): Promise<{ loss: number; accuracy: number }> {
  const count = data.xs.shape[0];
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < count; start += EVALUATION_BATCH_SIZE) {
    const size = Math.min(EVALUATION_BATCH_SIZE, count - start);
    const [loss, hits] = tf.tidy(() => {
      const xs = tf.slice(data.xs, [start, 0, 0, 0], [size, -1, -1, -1]);
      const ys = tf.slice(data.ys, [start], [size]);
      const probabilities = model.apply(xs, { training: false }) as tf.Tensor2D;
      return [
        tf.mul(sparseCategoricalCrossentropy(ys, probabilities), size),
        countCorrect(ys, probabilities),
      ];
    });
    const [lossValue, hitsValue] = await Promise.all([loss.data(), hits.data()]);
    tf.dispose([loss, hits]);
    lossSum += lossValue[0] ?? Number.NaN;
    correct += hitsValue[0] ?? 0;
  }
  return { loss: lossSum / count, accuracy: correct / count };
}
