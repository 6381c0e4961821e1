import { request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * A worker thread of `convoy bench streams`: times GET /healthz in a loop, on an event loop of its
 * own, so the benchmark's own work (opening hundreds of streams) does not delay the probes.
 * Messages: 'start' begins a series, 'stop' ends it and posts its latencies (ms) back once the
 * probe in flight (perhaps the slowest) has answered.
 */
const { url, pauseMs } = workerData as { url: string; pauseMs: number };
let samples: number[] = [];
let running = false;
let inFlight = false;
let next: NodeJS.Timeout | undefined;

function report(): void {
  parentPort?.postMessage(samples);
}

function probe(): void {
  const started = performance.now();
  inFlight = true;
  const done = (latency?: number) => {
    inFlight = false;
    if (latency !== undefined) samples.push(latency);
    if (running) next = setTimeout(probe, pauseMs);
    else report();
  };
  request(`${url}/healthz`, { agent: false }, (response) => {
    response.resume();
    response.on('end', () => done(performance.now() - started));
  })
    .on('error', () => done())
    .end();
}

parentPort?.on('message', (message: 'start' | 'stop') => {
  if (message === 'start') {
    samples = [];
    running = true;
    probe();
  } else {
    running = false;
    clearTimeout(next);
    if (!inFlight) report();
  }
});
