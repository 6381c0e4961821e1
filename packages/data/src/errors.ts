import { PermanentError } from '@convoy/schemas';

/**
 * Base class of every error this package throws; `file` names the file at fault, when there is one.
 * Data that is missing, truncated or malformed stays so: permanent.
 */
export class DataError extends PermanentError {
  readonly file?: string;

  constructor(message: string, options: { file?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options.file !== undefined) this.file = options.file;
  }
}

/** The bytes are not a valid uint8 IDX file: bad magic, dtype, dimensions or size. */
export class IdxFormatError extends DataError {}

/** The file ends before the size its header announces. */
export class TruncatedFileError extends DataError {}

/** A data source cannot be used: files missing or unreadable, too few valid records, gunzip failure. */
export class DataSourceError extends DataError {}

/** The message of anything thrown, for wrapping it in a DataError. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
