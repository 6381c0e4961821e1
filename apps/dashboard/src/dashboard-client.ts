import { ConvoyClient, JobNotFoundError, type JobView } from '@convoy/client';
import { isTerminalState } from '@convoy/schemas';
import { LruCache } from './lru-cache.js';

/**
 * The dashboard server's ConvoyClient (it holds the token, which never leaves the server), with
 * one addition: `findJob`, which answers undefined for a job the API does not know and remembers
 * finished jobs — they never change again, so their pages and images ask the API once.
 */
export class DashboardClient extends ConvoyClient {
  private readonly finishedJobs = new LruCache<JobView>({ maxEntries: 2_000 });

  /** After a write to the job (rename, resume, delete) through the dashboard's proxy. */
  forgetJob(id: string): void {
    this.finishedJobs.delete(id);
  }

  async findJob(id: string): Promise<JobView | undefined> {
    const known = this.finishedJobs.get(id);
    if (known !== undefined) return known;
    try {
      const view = await this.getJob(id);
      if (isTerminalState(view.state)) this.finishedJobs.set(id, view);
      return view;
    } catch (error) {
      if (error instanceof JobNotFoundError) return undefined;
      throw error;
    }
  }
}
