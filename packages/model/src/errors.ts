import { PermanentError } from '@convoy/schemas';

/** A saved model or checkpoint on disk is missing or unreadable; it stays so on a retry. */
export class ModelArtifactError extends PermanentError {
  override readonly name = 'ModelArtifactError';
}
