// Where each animal's actor lives. Today every actor is local; a later Redis-backed placement
// can shard animals across nodes by implementing ActorPlacement and RemoteActorTransport.

import type { ActorMessage, FixReply } from "./actor-messages.ts";

export type NodeId = string;

export interface ActorPlacement {
  /** This process's node id. */
  readonly self: NodeId;
  /** The node that owns the actor of `animal`. Must be stable while ownership is unchanged. */
  ownerOf(animal: string): NodeId;
}

/** Single-node placement: this process owns every actor. */
export class LocalPlacement implements ActorPlacement {
  constructor(readonly self: NodeId = "local") {}

  ownerOf(_animal: string): NodeId {
    return this.self;
  }
}

/** Delivers a message to the actor system on another node and returns its reply. */
export interface RemoteActorTransport {
  deliver(node: NodeId, message: ActorMessage): Promise<FixReply>;
}

export class NoRemoteTransportError extends Error {
  constructor(
    readonly node: NodeId,
    readonly animal: string,
  ) {
    super(`actor for animal ${animal} is owned by node ${node}, but no RemoteActorTransport is configured`);
    this.name = "NoRemoteTransportError";
  }
}
