import { TERMINAL_JOB_STATES } from '@convoy/schemas';
import { waitUntil } from './processes.js';

/** The fields of a job view that end-to-end tests read. */
export interface TestJobView {
  id: string;
  type: string;
  state: string;
  history: { epoch: number }[];
  result: unknown;
  error: { message: string } | null;
  backend: string | null;
}

/** Plain fetch calls against an API under test: the raw status and JSON body, no client logic. */
export function apiCalls(baseUrl: string, headers: Record<string, string> = {}) {
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  /** Polls the job until it is completed, failed or cancelled. */
  const finished = (id: string, timeoutMs = 240_000) =>
    waitUntil(
      async () => {
        const { body } = await call<TestJobView>('GET', `/v1/jobs/${id}`);
        return (TERMINAL_JOB_STATES as readonly string[]).includes(body.state) ? body : undefined;
      },
      timeoutMs,
      `job ${id} to finish`,
    );
  return { call, finished };
}
