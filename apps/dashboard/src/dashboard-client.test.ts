import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '@convoy/schemas';
import { DashboardClient } from './dashboard-client.js';

function view(id: string, state: JobView['state']): JobView {
  return {
    id,
    type: 'train',
    state,
    progress: null,
    params: {},
    history: [],
    result: null,
    error: null,
    backend: null,
    device: null,
    attempts: 0,
    cancelRequested: false,
    createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    links: { self: `/v1/jobs/${id}`, events: '', artifacts: '' },
  };
}

const JOBS: Record<string, JobView> = {
  train_0000000001: view('train_0000000001', 'completed'),
  train_0000000002: view('train_0000000002', 'active'),
};

let server: Server;
let client: DashboardClient;
const asked: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    asked.push(request.url ?? '');
    const job = JOBS[(request.url ?? '').replace('/v1/jobs/', '')];
    response.writeHead(job ? 200 : 404, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(job ?? { error: { code: 'JOB_NOT_FOUND', message: 'job not found' } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new DashboardClient({ baseUrl: `http://127.0.0.1:${port}` });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('DashboardClient.findJob', () => {
  it('asks the API once for a finished job, every time for a running one', async () => {
    for (let round = 0; round < 2; round += 1) {
      expect((await client.findJob('train_0000000001'))?.state).toBe('completed');
      expect((await client.findJob('train_0000000002'))?.state).toBe('active');
    }
    expect(asked).toEqual([
      '/v1/jobs/train_0000000001',
      '/v1/jobs/train_0000000002',
      '/v1/jobs/train_0000000002',
    ]);
  });

  it('answers undefined for a job the API does not know', async () => {
    expect(await client.findJob('train_0000000404')).toBeUndefined();
  });
});
