import { Option } from 'commander';
import { BACKEND_REQUESTS } from '@convoy/backend';
import { parseWholeNumber } from './options.js';

/** `--backend`, shared by every command that computes locally. */
export function backendOption(): Option {
  return new Option(
    '--backend <name>',
    'compute backend (default: CONVOY_BACKEND or auto)',
  ).choices(BACKEND_REQUESTS);
}

/** `--threads`, for the data-parallel work named by `purpose`. */
export function threadsOption(purpose: string): Option {
  return new Option(
    '--threads <n>',
    `threads for ${purpose} on wasm (default: TRAINING_THREADS or every core)`,
  ).argParser(parseWholeNumber);
}
