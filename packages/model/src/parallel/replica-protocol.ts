/** What a coordinating thread and its replica threads say to each other, whatever the replicas do. */

/** What every replica thread starts from: the coordinator's model and backend. */
export interface ReplicaSetup {
  /** The model's Keras topology (LayersModel.toJSON), to build the same layers. */
  readonly modelTopology: string;
  /** The tfjs backend the coordinator runs on. */
  readonly backend: string;
}

/** A replica's answer to being started, or to a request: ready, or what its requests answer. */
export type ReplicaReply<Answer> = { readonly type: 'ready' } | Answer;

/** Everything a replica thread posts: a reply, or why it failed (starting, or a request). */
export type FromReplica<Answer> =
  ReplicaReply<Answer> | { readonly type: 'error'; readonly message: string };
