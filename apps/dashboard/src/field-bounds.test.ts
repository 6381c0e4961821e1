import { describe, expect, it } from 'vitest';
import { trainingParamsSchema } from '@convoy/schemas';
import { layerFieldBounds, numberBounds, trainingFieldBounds } from './field-bounds.js';

/**
 * The training params with one field (a dotted path below params) set to `value`; monitoring
 * `loss`, so a validation split of 0 is valid on its own.
 */
function withField(path: string, value: unknown): Record<string, unknown> {
  const keys = path.replace(/^params\./, '').split('.');
  const params: Record<string, unknown> = {
    checkpoint: { monitor: 'loss' },
    earlyStopping: { monitor: 'loss' },
  };
  let target = params;
  keys.forEach((key, index) => {
    if (index === keys.length - 1) target[key] = value;
    else target = target[key] = { ...(target[key] as object) } as Record<string, unknown>;
  });
  return params;
}

describe('trainingFieldBounds', () => {
  it('reads every bound the API applies from the schema: the edges pass, one step past fails', () => {
    const bounds = trainingFieldBounds();
    expect(Object.keys(bounds)).toContain('params.batchSize');
    for (const [path, field] of Object.entries(bounds)) {
      const accepts = (value: number) =>
        trainingParamsSchema.safeParse(withField(path, value)).success;
      const step = field.integer ? 1 : 1e-9;
      expect(field.min, path).toBeTypeOf('number');
      expect(field.max, path).toBeTypeOf('number');
      const [min, max] = [field.min ?? 0, field.max ?? 0];
      expect(accepts(min), `${path} = ${min}`).toBe(!field.minExclusive);
      expect(accepts(min - step), `${path} = ${min - step}`).toBe(false);
      expect(accepts(max), `${path} = ${max}`).toBe(!field.maxExclusive);
      expect(accepts(max + step), `${path} = ${max + step}`).toBe(false);
      if (field.integer) expect(accepts(min + 0.5), `${path} = ${min + 0.5}`).toBe(false);
    }
  });

  it('says the bounds as hints and rules, and which fields may stay empty', () => {
    const bounds = trainingFieldBounds();
    expect(bounds['params.batchSize']).toMatchObject({
      hint: '1–1,024',
      rule: 'a whole number from 1 to 1,024',
      integer: true,
      optional: false,
    });
    expect(bounds['params.optimizer.learningRate']).toMatchObject({
      hint: '> 0, ≤ 1',
      rule: 'a number above 0 and at most 1',
      integer: false,
    });
    expect(bounds['params.dataset.limit']?.optional).toBe(true);
    expect(bounds['params.earlyStopping.patience']?.integer).toBe(true);
  });
});

describe('layerFieldBounds', () => {
  it('covers the layer editor’s number fields, a pair’s number included', () => {
    const bounds = layerFieldBounds();
    expect(bounds.conv2d?.kernelSize).toMatchObject({ integer: true, min: 1 });
    expect(bounds.dense?.units?.rule).toMatch(/^a whole number from 1 to /);
    expect(bounds.dropout?.rate).toMatchObject({ min: 0, max: 1, maxExclusive: true });
    expect(bounds.maxPooling2d?.strides?.optional).toBe(true);
    expect(bounds.flatten).toBeUndefined();
  });

  it('is undefined for a field that is not a number', () => {
    expect(numberBounds(trainingParamsSchema)).toBeUndefined();
  });
});
