/**
 * The form's own checks of number fields, before anything is sent, against the bounds the server
 * read from the API's zod schemas (field-bounds.ts); and zod's terse texts, when the API's answer
 * still carries one, said as a person would.
 */

/** NumberBounds of field-bounds.ts, as the page data carries it. */
export interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive: boolean;
  readonly maxExclusive: boolean;
  readonly integer: boolean;
  readonly optional: boolean;
  readonly hint: string;
  readonly rule: string;
}

/**
 * What is wrong with a number field's text, or undefined when it is fine. `unparsable` is the
 * browser's `validity.badInput`: an `<input type=number>` holding `abc` reports the value `''`.
 */
export function numberProblem(
  text: string,
  unparsable: boolean,
  bounds: NumberBounds,
): string | undefined {
  const trimmed = text.trim();
  if (unparsable) return `is not a number: enter ${bounds.rule}`;
  if (trimmed === '') return bounds.optional ? undefined : `is empty: enter ${bounds.rule}`;
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return `“${trimmed}” is not a number: enter ${bounds.rule}`;
  const outside =
    (bounds.integer && !Number.isInteger(value)) ||
    (bounds.min !== undefined &&
      (bounds.minExclusive ? value <= bounds.min : value < bounds.min)) ||
    (bounds.max !== undefined && (bounds.maxExclusive ? value >= bounds.max : value > bounds.max));
  return outside ? `must be ${bounds.rule} (not ${trimmed})` : undefined;
}

const number = (text: string) => {
  const value = Number(text);
  return Number.isFinite(value) ? value.toLocaleString('en-US') : text;
};

/** zod 4's default messages, each said in words (the label goes before them). */
const ZOD_MESSAGES: readonly [RegExp, (match: RegExpMatchArray) => string][] = [
  [/^missing: expected (\w+)/, () => 'is required'],
  [/^Invalid input: expected int, received number/, () => 'must be a whole number'],
  [/^Invalid input: expected (?:int|number), received (\w+)/, () => 'must be a number'],
  [/^Invalid input: expected (\w+), received (\w+)/, (match) => `must be a ${match[1]}`],
  [
    /^Too big: expected number to be <=\s*(\S+)/,
    (match) => `must be at most ${number(match[1] ?? '')}`,
  ],
  [
    /^Too big: expected number to be <\s*(\S+)/,
    (match) => `must be below ${number(match[1] ?? '')}`,
  ],
  [
    /^Too small: expected number to be >=\s*(\S+)/,
    (match) => `must be at least ${number(match[1] ?? '')}`,
  ],
  [
    /^Too small: expected number to be >\s*(\S+)/,
    (match) => `must be above ${number(match[1] ?? '')}`,
  ],
  [
    /^Invalid option: expected one of (.+)$/,
    (match) => `must be one of ${match[1]?.replaceAll('|', ', ')}`,
  ],
  [/^Unrecognized keys?: (.+)$/, (match) => `has fields the API does not know: ${match[1]}`],
];

/**
 * An API detail's message for a person: zod's raw wording (`Invalid input: expected int, received
 * number`) becomes a sentence about the field (`must be a whole number from 1 to 1,024`); the
 * schemas' own messages, already written for people, stay as they are.
 */
export function humanMessage(message: string, bounds?: NumberBounds): string {
  for (const [pattern, say] of ZOD_MESSAGES) {
    const match = message.match(pattern);
    if (match === null) continue;
    const said = say(match);
    // A number field's rule says the whole of it: the type and both bounds.
    if (bounds === undefined || !/^(must be|is required)/.test(said)) return said;
    return said === 'is required' ? `is required: enter ${bounds.rule}` : `must be ${bounds.rule}`;
  }
  return message;
}
