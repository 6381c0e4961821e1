import { z } from 'zod';
import { modelJsonPath } from '@convoy/core';
import {
  artifactListSchema,
  cancelRequestedSchema,
  createdJobSchema,
  createdJobsSchema,
  createJobsBatchBodySchema,
  MAX_BATCH_JOBS,
  createJobBodySchema,
  epochEventSchema,
  errorBodySchema,
  eventStreamQuerySchema,
  healthSchema,
  jobCancelledSchema,
  jobDeletedSchema,
  jobListSchema,
  jobViewSchema,
  updateJobBodySchema,
  listJobsQuerySchema,
  MAX_SWEEP_DIMENSIONS,
  MAX_SWEEP_TRIALS,
  progressEventSchema,
  sweepResultSchema,
  trainingResultSchema,
  visualizationJobResultSchema,
} from '@convoy/schemas';

type JsonSchema = Record<string, unknown>;

/** A zod schema as an OpenAPI 3.1 schema object (JSON Schema 2020-12 without `$schema`). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const converted = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete converted.$schema;
  return converted;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });

const ERRORS = {
  BadRequest: errorResponse(
    'The request is malformed: VALIDATION_FAILED (details list each problem: the schema, a model over the memory bound, clashing layer names, a visualization layer the model lacks), INVALID_JSON, INVALID_CURSOR, INVALID_ARTIFACT_PATH',
  ),
  Unauthorized: {
    ...errorResponse('UNAUTHORIZED: missing or wrong bearer token (only when API_TOKEN is set)'),
    headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
  },
  NotFound: errorResponse('JOB_NOT_FOUND (unknown or malformed id), ARTIFACT_NOT_FOUND, NOT_FOUND'),
  Conflict: errorResponse('The job is not in a state that allows this'),
  PayloadTooLarge: errorResponse('PAYLOAD_TOO_LARGE: the JSON body is over the limit (256 kB)'),
  UnsupportedMediaType: errorResponse('UNSUPPORTED_MEDIA_TYPE: send application/json'),
  MisdirectedRequest: errorResponse(
    'MISDIRECTED_REQUEST: the Host header names no host of this server (checked when the server has no API_TOKEN, or API_ALLOWED_HOSTS is set)',
  ),
  TooManyRequests: {
    ...errorResponse('TOO_MANY_EVENT_STREAMS: this client holds its maximum of open event streams'),
    headers: { 'Retry-After': { schema: { type: 'string' } } },
  },
  ServiceUnavailable: {
    ...errorResponse(
      'SERVICE_UNAVAILABLE: Redis does not answer; STORAGE_UNAVAILABLE: the artifact store (S3) does not answer; EVENT_STREAMS_FULL: the server holds its maximum of open event streams',
    ),
    headers: { 'Retry-After': { schema: { type: 'string' } } },
  },
} as const;

const ERROR_STATUS: Readonly<Record<keyof typeof ERRORS, number>> = {
  BadRequest: 400,
  Unauthorized: 401,
  NotFound: 404,
  Conflict: 409,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  MisdirectedRequest: 421,
  TooManyRequests: 429,
  ServiceUnavailable: 503,
};

/** `responses` entries referring to the shared error responses. */
const errors = (...names: (keyof typeof ERRORS)[]) =>
  Object.fromEntries(
    names.map((name) => [ERROR_STATUS[name], { $ref: `#/components/responses/${name}` }]),
  );

const jobIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: '`train_…`, `visualize_…` or `sweep_…`; a malformed id is a 404 like an unknown one',
  schema: { type: 'string', pattern: '^(train|visualize|sweep)_[0-9a-z]{8,40}$' },
};

function queryParameters(): JsonSchema[] {
  const shape = listJobsQuerySchema.shape;
  const descriptions: Record<string, string> = {
    type: "Only jobs of this type (`sweep`: the sweeps; a sweep's trials are `train` jobs, listed with `tag=sweep:<sweep id>`)",
    state:
      'Only jobs in this state (the API scans at most about 1,000 jobs per request; when the page is short, continue with nextCursor)',
    limit: 'Page size, 1–100 (default 20)',
    cursor: 'nextCursor of the previous page',
    q: 'Search: text in the job id, its name or one of its tags (case-insensitive)',
    tag: "Only jobs carrying this tag (case-insensitive); `sweep:<sweep id>` lists a sweep's trials",
    model: 'Only training jobs of this preset, or `custom` for layer lists',
    sort: 'Order by this column (default createdAt); jobs without a value (no name, no history) come last',
    order: 'desc (default) or asc',
  };
  return Object.entries(shape).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    description: descriptions[name],
    schema:
      name === 'limit'
        ? { type: 'integer', minimum: 1, maximum: 100, default: 20 }
        : jsonSchema(schema as z.ZodType, 'input'),
  }));
}

const secured = [{ bearerAuth: [] }];
/** Routes a load balancer or Prometheus reads without a token. */
const publicRoute: JsonSchema[] = [];

/** A job's `result` (unknown to the zod view schema) as what it is for each job type. */
function withResultSchema(job: JsonSchema): JsonSchema {
  const properties = job.properties as Record<string, JsonSchema>;
  return {
    ...job,
    properties: {
      ...properties,
      params: {
        description:
          'The parameters the job runs with, defaults filled in: training params, visualization params, or for a sweep its sweep params (base, method, parameters, trials, seed, metric, maxConcurrent, earlyTermination)',
      },
      result: {
        description:
          'Set once the job completed: a TrainingResult, a VisualizationResult, or for a sweep a SweepResult (its leaderboard, one entry per trial)',
        anyOf: [
          ref('TrainingResult'),
          ref('VisualizationResult'),
          ref('SweepResult'),
          { type: 'null' },
        ],
      },
      sweep: {
        ...properties.sweep,
        description:
          "A sweep's live state: trial counts by state, percent of planned epochs run, the metric, the best trial, the compute early termination saved, and (in GET /v1/jobs/{id} only, not in lists) the leaderboard",
      },
      trialOf: {
        ...properties.trialOf,
        description:
          'A training job that is a trial of a sweep: the sweep and its 0-based position',
      },
    },
  };
}

/** What each field of a sweep's params means (zod's doc comments do not reach the JSON Schema). */
const SWEEP_PARAM_DESCRIPTIONS: Readonly<Record<string, string>> = {
  base: 'Training params every trial starts from (the notebook defaults where left out)',
  method:
    '`grid`: every combination of the listed values, in row-major order (the last dimension varies fastest); `random`: `trials` draws of the seeded sampler',
  parameters: `The search space, at most ${MAX_SWEEP_DIMENSIONS} dimensions: a param path (\`optimizer.learningRate\`, \`batchSize\`, \`model.preset\`, \`model.layers[6].rate\`; a path into \`model.layers\` of a preset model expands the preset to its layer list) → a list of values (\`[v1, v2]\` or \`{ "values": [...] }\`), or for random search a range \`{ "distribution": "uniform" | "log_uniform" | "int_uniform", "min", "max" }\`. At most ${MAX_SWEEP_TRIALS} trials per sweep.`,
  trials: 'Random search only: how many trials to draw (default 10)',
  seed: "Seed of the random search's sampler: the same seed draws the same trials",
  metric:
    'What ranks the trials: each trial counts its best value of the metric over its epochs; `goal` defaults to minimize for losses, maximize for accuracies',
  maxConcurrent: "Most of the sweep's trials running at once (default: as many as workers take)",
  earlyTermination:
    "`false`, or a rule applied at each of a trial's epoch ends against the curves the other trials have recorded: `median` (median stopping: after `graceEpochs`, a trial whose best value so far is worse than the median of the other trials' running averages at that epoch stops, once `minTrials` others reached it) or `asha` (successive halving: at rung epochs minEpochs·reductionFactor^k a trial goes on only if its best value so far is in the top 1/reductionFactor of the values recorded at that rung). A stopped trial completes as `pruned`.",
};

/** The create-job body with the sweep variant's params described. */
function withSweepDescriptions(body: JsonSchema): JsonSchema {
  const variants = (body.oneOf ?? body.anyOf) as JsonSchema[] | undefined;
  for (const variant of variants ?? []) {
    const properties = variant.properties as Record<string, JsonSchema> | undefined;
    if ((properties?.type as { const?: unknown } | undefined)?.const !== 'sweep') continue;
    const params = properties?.params as JsonSchema;
    params.description =
      'A sweep: many training jobs (its trials) over a search space, ranked by a metric, as one job';
    const fields = params.properties as Record<string, JsonSchema>;
    for (const [name, description] of Object.entries(SWEEP_PARAM_DESCRIPTIONS))
      if (fields[name] !== undefined) fields[name] = { description, ...fields[name] };
  }
  return body;
}

/** Example bodies of POST /v1/jobs. */
const CREATE_JOB_EXAMPLES = {
  train: {
    summary: 'The notebook CNN, 3 epochs on 12,000 images',
    value: { type: 'train', params: { epochs: 3, dataset: { limit: 12000 } } },
  },
  sweep: {
    summary: 'A grid sweep: 2 presets × 2 learning rates, 2 trials at a time',
    value: {
      type: 'sweep',
      name: 'presets × learning rates',
      params: {
        base: { epochs: 3, dataset: { limit: 12000 } },
        method: 'grid',
        parameters: {
          'model.preset': ['cnn', 'cnn-avgpool'],
          'optimizer.learningRate': [0.001, 0.0003],
        },
        metric: { name: 'val_loss' },
        maxConcurrent: 2,
      },
    },
  },
  randomSweep: {
    summary: 'A random sweep with median stopping',
    value: {
      type: 'sweep',
      params: {
        base: { epochs: 6, dataset: { limit: 12000 } },
        method: 'random',
        parameters: {
          'optimizer.learningRate': { distribution: 'log_uniform', min: 0.0001, max: 0.01 },
          batchSize: [32, 64, 128],
        },
        trials: 12,
        seed: 1,
        earlyTermination: { type: 'median', graceEpochs: 2, minTrials: 3 },
      },
    },
  },
};

/** The job routes: submit, list, read, cancel, follow. */
function jobPaths(): JsonSchema {
  // A batch fails as its first failing job would alone.
  const submitErrors = errors(
    'MisdirectedRequest',
    'BadRequest',
    'Unauthorized',
    'NotFound',
    'Conflict',
    'PayloadTooLarge',
    'UnsupportedMediaType',
    'ServiceUnavailable',
  );
  return {
    '/v1/jobs': {
      post: {
        tags: ['jobs'],
        operationId: 'createJob',
        summary: 'Enqueue a train, visualize or sweep job',
        description: `A train job's layer names (given, or Keras's generated ones) must be unique (400 VALIDATION_FAILED at \`params.model.layers.<i>.name\`), and its estimated training memory must fit the server's MAX_JOB_MEMORY_MB (400 VALIDATION_FAILED naming the estimate, the bound and the largest part, with details at \`params.model.layers.<i>\` and \`params.batchSize\`). A visualize job needs its training job (\`params.jobId\`) to exist (404 TRAIN_JOB_NOT_FOUND) and to have written the model it inspects: \`${modelJsonPath('trained')}\` for weights "trained", \`${modelJsonPath('untrained')}\` for "untrained" (409 MODEL_NOT_READY); \`layer\` must name a layer of that model of a class the kind takes (400 VALIDATION_FAILED at \`params.layer\`, listing the layers it takes). An uploaded \`image\` must be a 28×28 PNG (400 VALIDATION_FAILED at \`params.image\`).

A sweep (\`"type": "sweep"\`) plans every trial before anything is queued, each checked as a train job is (schema, memory budget): a bad one is a 400 VALIDATION_FAILED whose message names the trial and its values (\`trial 3 of 8 (model.layers[0].filters=2048): …\`), and nothing is queued. Otherwise the sweep (\`sweep_…\`) and its trials (ordinary train jobs, named \`<sweep name or id> #<n> <values>\` and tagged \`sweep:<sweep id>\` plus the sweep's tags) are queued together, as one BullMQ flow in one transaction.`,
        security: secured,
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: ref('CreateJobBody'), examples: CREATE_JOB_EXAMPLES },
          },
        },
        responses: {
          202: {
            description: 'Enqueued; `Location` is the job',
            headers: { Location: { schema: { type: 'string' } } },
            content: json(ref('CreatedJob')),
          },
          ...submitErrors,
        },
      },
      get: {
        tags: ['jobs'],
        operationId: 'listJobs',
        summary: 'Jobs, newest first, with cursor pagination; search, filter and sort',
        description:
          'Without q, tag, model, sort or order: the job index newest first (state filters as it scans). With any of them (a search): the newest 1,000 jobs of the type are read, filtered and sorted; `total` counts the matches, and `nextCursor` (`offset.<n>`) pages through them.',
        security: secured,
        parameters: queryParameters(),
        responses: {
          200: { description: 'A page of jobs', content: json(ref('JobList')) },
          ...errors('MisdirectedRequest', 'BadRequest', 'Unauthorized', 'ServiceUnavailable'),
        },
      },
    },
    '/v1/jobs:batch': {
      post: {
        tags: ['jobs'],
        operationId: 'createJobs',
        summary: `Enqueue up to ${MAX_BATCH_JOBS} jobs at once, all or none`,
        description: `Train and visualize jobs only (a sweep is a 400 VALIDATION_FAILED: submit it with createJob). Each job is checked as createJob checks one; the first that fails answers for the request, its paths prefixed with its position (\`jobs.3.params.epochs\`), and nothing is queued. Otherwise every job is queued in one Redis transaction and the answer lists them in the order sent. The body may be up to 8 MB.`,
        security: secured,
        requestBody: { required: true, content: json(ref('CreateJobsBatchBody')) },
        responses: {
          202: { description: 'Enqueued, in the order sent', content: json(ref('CreatedJobs')) },
          ...submitErrors,
        },
      },
    },
    '/v1/jobs/{id}': {
      parameters: [jobIdParameter],
      get: {
        tags: ['jobs'],
        operationId: 'getJob',
        summary: 'A job: state, progress, params, history, result, error',
        description:
          "A sweep is `waiting` until one of its trials starts, then `active`, then `completed` once every trial has finished (or `cancelled`); its `sweep` field holds the live summary with the leaderboard (every trial, best first), and once completed its `result` is the SweepResult. A trial's view has `trialOf`.",
        security: secured,
        responses: {
          200: { description: 'The job', content: json(ref('Job')) },
          ...errors('MisdirectedRequest', 'Unauthorized', 'NotFound'),
        },
      },
      patch: {
        tags: ['jobs'],
        operationId: 'updateJob',
        summary: "Edit a job's name, tags and notes",
        description:
          'The fields given replace the stored ones (null, or [] for tags, clears one); the others stay. Any state, finished jobs included.',
        security: secured,
        requestBody: { required: true, content: json(ref('UpdateJobBody')) },
        responses: {
          200: { description: 'The job as edited', content: json(ref('Job')) },
          ...errors(
            'MisdirectedRequest',
            'BadRequest',
            'Unauthorized',
            'NotFound',
            'UnsupportedMediaType',
            'ServiceUnavailable',
          ),
        },
      },
      delete: {
        tags: ['jobs'],
        operationId: 'cancelJob',
        summary: 'Cancel a job, or with purge=true delete it',
        description:
          'Without purge: a waiting job is removed at once (200, state cancelled); an active job stops at its next batch, keeping its checkpoint (202, cancelRequested; GET shows `cancelled` once the worker stopped). A finished job is a 409 JOB_FINISHED. With `purge=true`: a finished job (completed, failed, cancelled) is deleted with its artifacts and, for a training run, its visualization jobs and theirs (200 JobDeleted); a waiting or active job is a 409 JOB_NOT_FINISHED (cancel it first).\n\nA sweep: cancelling (202 CancelRequested) removes its waiting trials and asks its running ones to stop at their next batch; the sweep ends `cancelled`. Purging a finished sweep deletes it with its trials (JobDeleted counts them in `trials`).',
        security: secured,
        parameters: [
          {
            name: 'purge',
            in: 'query',
            required: false,
            description: 'true: delete the finished job and its artifacts instead of cancelling',
            schema: { type: 'string', enum: ['true', 'false'] },
          },
        ],
        responses: {
          200: {
            description:
              'Removed before it started (JobCancelled), or deleted (JobDeleted, purge=true)',
            content: json({ anyOf: [ref('JobCancelled'), ref('JobDeleted')] }),
          },
          202: {
            description: 'The worker was asked to stop',
            content: json(ref('CancelRequested')),
          },
          ...errors('MisdirectedRequest', 'Unauthorized', 'NotFound', 'Conflict'),
        },
      },
    },
    '/v1/jobs/{id}/resume': {
      parameters: [jobIdParameter],
      post: {
        tags: ['jobs'],
        operationId: 'resumeJob',
        summary: 'Resume a cancelled or failed job from its checkpoint',
        description:
          'The job goes back to the queue under its own id (its page, events and artifacts stay); the worker that takes it resumes from the checkpoint the stopped attempt left (mid-epoch or the last finished epoch), keeping the history so far. A job cancelled before it started starts from scratch. 409 JOB_NOT_RESUMABLE for waiting, active or completed jobs, and for sweeps (resume their cancelled or failed trials one by one).',
        security: secured,
        responses: {
          202: {
            description: 'Queued again; `Location` is the job',
            headers: { Location: { schema: { type: 'string' } } },
            content: json(ref('CreatedJob')),
          },
          ...errors(
            'MisdirectedRequest',
            'Unauthorized',
            'NotFound',
            'Conflict',
            'ServiceUnavailable',
          ),
        },
      },
    },
    '/v1/jobs/{id}/events': {
      parameters: [jobIdParameter],
      get: {
        tags: ['jobs'],
        operationId: 'streamJobEvents',
        summary: 'Server-Sent Events of a job',
        description: [
          'Starts with `retry: 3000`. Without `Last-Event-ID`: first a `progress` event with the current state (epochs already run are not repeated); for a finished job then its terminal event and the end of the stream. While it runs: `epoch` (data: EpochEvent) for each finished epoch, `progress` (data: ProgressEvent) for each report, and finally one of `completed`, `failed`, `cancelled` (data: the Job), after which the server ends the stream. A comment line every 15 s keeps the connection open.',
          'Every event has an `id:`: `<n>`, the number of epochs the stream has sent (an `epoch` event carries its epoch number), or `<n>.end` on the terminal event. A client that reconnects with `Last-Event-ID` (or `?lastEventId=`) first gets the `epoch` events after that id, read from the job in Redis (any API process, across restarts, for as long as the job is kept: 30 days), then the latest `progress` (reports in between are coalesced), then the live events: no epoch is missed or sent twice. Resuming after the terminal event answers 204, which tells EventSource to stop.',
          "A sweep's stream follows its trials: `progress` events (at most one a second, while its trials report) whose `sweep` is its summary with the leaderboard, no `epoch` events, then `completed` or `cancelled` with the sweep's Job.",
          'Open streams are capped per client address (429 TOO_MANY_EVENT_STREAMS) and in all (503 EVENT_STREAMS_FULL), both with Retry-After.',
        ].join('\n\n'),
        security: secured,
        parameters: [
          {
            name: 'Last-Event-ID',
            in: 'header',
            required: false,
            description:
              'The id of the last event received; EventSource sends it when it reconnects',
            schema: jsonSchema(eventStreamQuerySchema.shape.lastEventId, 'input'),
          },
          {
            name: 'lastEventId',
            in: 'query',
            required: false,
            description:
              'The same, for clients that cannot send headers (a new EventSource); the header wins when both are given',
            schema: jsonSchema(eventStreamQuerySchema.shape.lastEventId, 'input'),
          },
        ],
        responses: {
          200: {
            description: 'An event stream',
            content: {
              'text/event-stream': {
                schema: {
                  type: 'string',
                  description:
                    "Each event's `id:` is `<epochs sent>` or `<epochs sent>.end`; its `data:` line is JSON: a ProgressEvent, an EpochEvent, or the Job",
                  contentSchema: {
                    oneOf: [ref('ProgressEvent'), ref('EpochEvent'), ref('Job')],
                  },
                },
              },
            },
          },
          204: {
            description: 'Resumed after the terminal event: nothing is left to send',
          },
          ...errors(
            'MisdirectedRequest',
            'BadRequest',
            'Unauthorized',
            'NotFound',
            'TooManyRequests',
            'ServiceUnavailable',
          ),
        },
      },
    },
  };
}

/** A job's artifact files. */
function artifactPaths(): JsonSchema {
  return {
    '/v1/jobs/{id}/artifacts': {
      parameters: [jobIdParameter],
      get: {
        tags: ['artifacts'],
        operationId: 'listArtifacts',
        summary: "Every file of a job's artifact directory",
        security: secured,
        responses: {
          200: { description: 'The files, sorted by path', content: json(ref('ArtifactList')) },
          ...errors('MisdirectedRequest', 'Unauthorized', 'NotFound', 'ServiceUnavailable'),
        },
      },
    },
    '/v1/jobs/{id}/artifacts/{path}': {
      parameters: [
        jobIdParameter,
        {
          name: 'path',
          in: 'path',
          required: true,
          description: `Relative artifact path; may contain \`/\` (e.g. \`${modelJsonPath('trained')}\`). \`..\`, \`.\`, empty segments, encoded separators and absolute paths are 400 INVALID_ARTIFACT_PATH.`,
          schema: { type: 'string' },
        },
      ],
      get: {
        tags: ['artifacts'],
        operationId: 'getArtifact',
        summary: 'One artifact file',
        description:
          "Streamed with a Content-Type by extension (`.json` JSON, `.png` PNG, `.bin`/`.f32` octet-stream), an ETag (the object store's own, else a weak size + mtime tag) and `Cache-Control: no-cache`; `If-None-Match` gives 304, `Range: bytes=…` a 206.",
        security: secured,
        responses: {
          200: {
            description: 'The file',
            headers: { ETag: { schema: { type: 'string' } } },
            content: {
              'application/octet-stream': {
                schema: { type: 'string', contentMediaType: 'application/octet-stream' },
              },
              'application/json': { schema: {} },
              'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
            },
          },
          206: {
            description:
              'One byte range of the file (`Range: bytes=…`, honouring If-Range); Content-Range names it',
            headers: {
              'Content-Range': { schema: { type: 'string' } },
              ETag: { schema: { type: 'string' } },
            },
            content: {
              'application/octet-stream': {
                schema: { type: 'string', contentMediaType: 'application/octet-stream' },
              },
            },
          },
          304: { description: 'Not modified since the ETag given in If-None-Match' },
          416: errorResponse('RANGE_NOT_SATISFIABLE: the range lies beyond the file'),
          ...errors(
            'MisdirectedRequest',
            'BadRequest',
            'Unauthorized',
            'NotFound',
            'ServiceUnavailable',
          ),
        },
      },
    },
    '/v1/jobs/{id}/model.tar': {
      parameters: [
        jobIdParameter,
        {
          name: 'weights',
          in: 'query',
          required: false,
          description:
            '`trained` (default): the best model (`model/`); `untrained`: the model before training (`initial/`)',
          schema: { type: 'string', enum: ['trained', 'untrained'], default: 'trained' },
        },
      ],
      get: {
        tags: ['artifacts'],
        operationId: 'getModelArchive',
        summary: 'The model as one tar archive (tfjs layers format)',
        description:
          '`<id>-model/model.json` and the weight files it names (`<id>-untrained-model/` for `weights=untrained`), streamed from the artifact store with `Content-Disposition: attachment`. All files come from one saved model.',
        security: secured,
        responses: {
          200: {
            description: 'A POSIX (ustar) tar archive',
            headers: { 'Content-Disposition': { schema: { type: 'string' } } },
            content: {
              'application/x-tar': {
                schema: { type: 'string', contentMediaType: 'application/x-tar' },
              },
            },
          },
          ...errors(
            'MisdirectedRequest',
            'BadRequest',
            'Unauthorized',
            'NotFound',
            'ServiceUnavailable',
          ),
        },
      },
    },
  };
}

/** Health, metrics, this document and the queue dashboard: the routes operators use. */
function operationsPaths(): JsonSchema {
  return {
    '/healthz': {
      get: {
        tags: ['operations'],
        operationId: 'health',
        summary: 'Liveness and Redis reachability (no authentication)',
        security: publicRoute,
        responses: {
          200: { description: 'Redis answers', content: json(ref('Health')) },
          503: { description: 'Redis does not answer', content: json(ref('Health')) },
        },
      },
    },
    '/metrics': {
      get: {
        tags: ['operations'],
        operationId: 'metrics',
        summary: 'Prometheus metrics (a token of its own when METRICS_TOKEN is set)',
        // Open unless METRICS_TOKEN is set; then that token, or the API's.
        security: [{}, { metricsAuth: [] }, { bearerAuth: [] }],
        description:
          'convoy_jobs{type,state}, convoy_queue_depth{queue}, convoy_job_duration_seconds{type}, convoy_training_images_per_second, convoy_http_requests_total{method,route,status}, and the process metrics.',
        responses: {
          200: {
            description: 'Prometheus text format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...errors('MisdirectedRequest', 'Unauthorized'),
        },
      },
    },
    '/openapi.json': {
      get: {
        tags: ['operations'],
        operationId: 'openApi',
        summary: 'This document (no authentication)',
        security: publicRoute,
        responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
      },
    },
    '/admin/queues': {
      get: {
        tags: ['operations'],
        operationId: 'queueDashboard',
        summary: 'bull-board: the BullMQ queues (HTML UI and its API below this path)',
        security: secured,
        responses: {
          200: {
            description: 'The dashboard',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          ...errors('MisdirectedRequest', 'Unauthorized'),
        },
      },
    },
  };
}

function components(): JsonSchema {
  return {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: 'The API_TOKEN of the server; needed only when it is set',
      },
      metricsAuth: {
        type: 'http',
        scheme: 'bearer',
        description:
          'The METRICS_TOKEN of the server, for /metrics only (the API token works there too); needed only when it is set',
      },
    },
    responses: ERRORS,
    schemas: {
      Error: jsonSchema(errorBodySchema),
      CreateJobBody: withSweepDescriptions(jsonSchema(createJobBodySchema, 'input')),
      CreatedJob: jsonSchema(createdJobSchema),
      CreateJobsBatchBody: jsonSchema(createJobsBatchBodySchema, 'input'),
      CreatedJobs: jsonSchema(createdJobsSchema),
      Job: withResultSchema(jsonSchema(jobViewSchema)),
      JobList: jsonSchema(jobListSchema),
      JobCancelled: jsonSchema(jobCancelledSchema),
      JobDeleted: jsonSchema(jobDeletedSchema),
      UpdateJobBody: jsonSchema(updateJobBodySchema, 'input'),
      CancelRequested: jsonSchema(cancelRequestedSchema),
      ArtifactList: jsonSchema(artifactListSchema),
      Health: jsonSchema(healthSchema),
      ProgressEvent: jsonSchema(progressEventSchema),
      EpochEvent: jsonSchema(epochEventSchema),
      TrainingResult: jsonSchema(trainingResultSchema),
      VisualizationResult: jsonSchema(visualizationJobResultSchema),
      SweepResult: jsonSchema(sweepResultSchema),
    },
  };
}

/** The OpenAPI 3.1 document of the REST API, built from the same zod schemas that validate it. */
export function createOpenApiDocument(options: { version?: string } = {}): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Convoy API',
      version: options.version ?? '0.1.0',
      description:
        'Train and inspect convolutional networks as queued jobs. Every error is `{ "error": { "code", "message", "details"? } }` with a 4xx status for anything the caller got wrong. When the server has API_TOKEN set, /v1 and /admin/queues need `Authorization: Bearer <token>`. A method a path does not serve is a 405 METHOD_NOT_ALLOWED with an `Allow` header; an unexpected failure is a 500 INTERNAL whose message never carries a stack in production.',
    },
    servers: [{ url: '/' }],
    tags: [
      {
        name: 'jobs',
        description:
          'Submit, list, follow and cancel training and visualization jobs, and sweeps of training jobs',
      },
      {
        name: 'artifacts',
        description: "A training job's files: models, checkpoints, histories, visualizations",
      },
      { name: 'operations', description: 'Health, metrics, this document and the queue dashboard' },
    ],
    paths: { ...jobPaths(), ...artifactPaths(), ...operationsPaths() },
    components: components(),
  };
}
