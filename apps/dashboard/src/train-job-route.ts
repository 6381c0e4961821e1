import type { Request, RequestHandler, Response } from 'express';
import { jobIdSchema, type JobView } from '@convoy/schemas';
import type { DashboardClient } from './dashboard-client.js';
import { jobNotFound } from './http-error.js';

export type TrainJobHandler = (
  request: Request,
  response: Response,
  view: JobView,
) => Promise<void>;

/** A route of a training job (`:id`): 404 for any other id, else the handler with its view. */
export function trainJobRoute(
  api: Pick<DashboardClient, 'findJob'>,
): (handler: TrainJobHandler) => RequestHandler {
  return (handler) =>
    async function withTrainJob(request, response) {
      const id = String(request.params.id ?? '');
      if (!jobIdSchema.safeParse(id).success || !id.startsWith('train_')) throw jobNotFound(id);
      const view = await api.findJob(id);
      if (view === undefined) throw jobNotFound(id);
      await handler(request, response, view);
    };
}
