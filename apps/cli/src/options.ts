import { InvalidArgumentError } from 'commander';

/** Commander option parser for whole numbers: the message names the bad value. */
export function parseWholeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return Number(value);
}

export function parseDecimal(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number))
    throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return number;
}

/** Where command output goes; tests pass their own. */
export interface CommandOutput {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export const writeLine = (stream: NodeJS.WritableStream, text = '') => stream.write(`${text}\n`);
