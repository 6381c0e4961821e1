import { z } from 'zod';
import { ShapeError } from './errors.js';
import { describeLayerNameClash, findLayerNameClashes } from './layer-names.js';
import { inferLayerShapes, MAX_MODEL_PARAMS } from './shape-inference.js';

/** One spatial size given as `3` or `[3, 3]`, the way Keras accepts it. */
const spatialPair = (min: number, max: number) =>
  z.union(
    [z.int().min(min).max(max), z.tuple([z.int().min(min).max(max), z.int().min(min).max(max)])],
    {
      // A value of neither shape: say both shapes (a number or pair out of range says its range).
      error: (issue) =>
        typeof issue.input === 'number' || (Array.isArray(issue.input) && issue.input.length === 2)
          ? undefined
          : `${issue.input === undefined ? 'missing: expected ' : ''}an integer ${min}–${max}, or a pair [height, width] of them`,
    },
  );

export const activationSchema = z.enum([
  'linear',
  'relu',
  'elu',
  'selu',
  'sigmoid',
  'tanh',
  'softmax',
]);
export const paddingSchema = z.enum(['valid', 'same']);

const layerName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'lowercase letters, digits and _, starting with a letter');

export const conv2dLayerSchema = z.strictObject({
  type: z.literal('conv2d'),
  filters: z.int().min(1).max(512),
  kernelSize: spatialPair(1, 11),
  strides: spatialPair(1, 4).default(1),
  padding: paddingSchema.default('valid'),
  dilationRate: spatialPair(1, 4).default(1),
  activation: activationSchema.default('linear'),
  useBias: z.boolean().default(true),
  name: layerName.optional(),
});

const poolingFields = {
  poolSize: spatialPair(1, 8).default(2),
  strides: spatialPair(1, 8).optional(),
  padding: paddingSchema.default('valid'),
  name: layerName.optional(),
};
export const maxPooling2dLayerSchema = z.strictObject({
  type: z.literal('maxPooling2d'),
  ...poolingFields,
});
export const averagePooling2dLayerSchema = z.strictObject({
  type: z.literal('averagePooling2d'),
  ...poolingFields,
});

export const flattenLayerSchema = z.strictObject({
  type: z.literal('flatten'),
  name: layerName.optional(),
});

export const denseLayerSchema = z.strictObject({
  type: z.literal('dense'),
  units: z.int().min(1).max(4096),
  activation: activationSchema.default('linear'),
  useBias: z.boolean().default(true),
  name: layerName.optional(),
});

export const dropoutLayerSchema = z.strictObject({
  type: z.literal('dropout'),
  rate: z.number().min(0).lt(1),
  name: layerName.optional(),
});

const LAYER_SCHEMAS = [
  conv2dLayerSchema,
  maxPooling2dLayerSchema,
  averagePooling2dLayerSchema,
  flattenLayerSchema,
  denseLayerSchema,
  dropoutLayerSchema,
] as const;
const LAYER_TYPES = LAYER_SCHEMAS.map((schema) => schema.shape.type.value);

export const layerSpecSchema = z.discriminatedUnion('type', LAYER_SCHEMAS, {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `type must be one of ${LAYER_TYPES.join(', ')}`
      : 'a layer is an object such as { "type": "dense", "units": 10 }',
});

export const MODEL_PRESETS = ['cnn', 'cnn-avgpool'] as const;
export const modelPresetSchema = z.enum(MODEL_PRESETS);

/** A layer list that fits Fashion-MNIST: 28×28×1 in, 10 softmax probabilities out. */
export const layerListSchema = z
  .array(layerSpecSchema)
  .min(1)
  .max(32)
  .superRefine((layers, context) => {
    for (const clash of findLayerNameClashes(layers)) {
      const { path, message } = describeLayerNameClash(layers, clash);
      context.addIssue({ code: 'custom', path, message });
    }
    try {
      const shapes = inferLayerShapes(layers);
      const last = layers[layers.length - 1];
      const output = shapes[shapes.length - 1]?.outputShape ?? [];
      const lastIndex = layers.length - 1;
      if (last?.type === 'dense' && output.join() === '10' && last.activation !== 'softmax') {
        // The one thing wrong is the activation: said beside it, naming the one given.
        context.addIssue({
          code: 'custom',
          path: [lastIndex, 'activation'],
          message: `the last layer's activation must be softmax, to give the 10 class probabilities; it is ${last.activation ?? 'linear'}`,
        });
      } else if (
        last?.type !== 'dense' ||
        last.activation !== 'softmax' ||
        output.join() !== '10'
      ) {
        const activation =
          last?.type === 'dense' ? ` (${last.activation ?? 'linear'} activation)` : '';
        context.addIssue({
          code: 'custom',
          path: [lastIndex],
          message: `the model must end in a dense layer of 10 units with softmax activation (output [10]); it ends in ${last?.type}${activation} with output [${output.join(', ')}]`,
        });
      }
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error;
      context.addIssue({
        code: 'custom',
        path: error.layerIndex === undefined ? [] : [error.layerIndex],
        message: error.message,
      });
    }
  });

/** Says which of the two shapes a model spec that fits neither was meant to be; undefined if it is one. */
function modelShapeProblem(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return 'model must be an object: { "preset": "cnn" | "cnn-avgpool" } or { "layers": [...] }';
  const given = ['preset', 'layers'].filter((key) => key in input);
  if (given.length === 2)
    return 'give either preset or layers, not both: a preset is a complete layer list';
  if (given.length === 0)
    return 'model needs a preset ("cnn" or "cnn-avgpool") or a list of layers';
  return undefined;
}

export const modelSpecSchema = z.union(
  [z.strictObject({ preset: modelPresetSchema }), z.strictObject({ layers: layerListSchema })],
  // For the other failures the branch the input was meant for says what is wrong.
  { error: (issue) => modelShapeProblem(issue.input) },
);

export type Activation = z.infer<typeof activationSchema>;
export type Padding = z.infer<typeof paddingSchema>;
export type Conv2dLayerSpec = z.infer<typeof conv2dLayerSchema>;
export type MaxPooling2dLayerSpec = z.infer<typeof maxPooling2dLayerSchema>;
export type AveragePooling2dLayerSpec = z.infer<typeof averagePooling2dLayerSchema>;
export type FlattenLayerSpec = z.infer<typeof flattenLayerSchema>;
export type DenseLayerSpec = z.infer<typeof denseLayerSchema>;
export type DropoutLayerSpec = z.infer<typeof dropoutLayerSchema>;
export type LayerSpec = z.infer<typeof layerSpecSchema>;
export type LayerSpecInput = z.input<typeof layerSpecSchema>;
export type ModelPreset = z.infer<typeof modelPresetSchema>;
export type ModelSpec = z.infer<typeof modelSpecSchema>;
export { MAX_MODEL_PARAMS };
