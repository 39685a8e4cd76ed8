/**
 * The node side of the in-band identity proof (identity-proof.ts): a Broadcast published at
 * `ec-node` on each session that answers `identity?c=<challenge>` with one signed group.
 *
 * Signing costs CPU, so a session gets {@link MAX_PROOFS} answers; further requests, and any other
 * track name, are refused before moq-lite writes SUBSCRIBE_OK (thrown from `subscribe`, as
 * node.ts's RefusingBroadcast does, so every client sees the reset code).
 */
import { Broadcast, Group, type Track } from "@moq/lite";
import { StreamError } from "@moq/qmux";
import { ResetCode } from "./errors.js";
import { type NodeIdentity, signChallenge } from "./identity.js";
import { encodeIdentityProof, parseIdentityTrackName } from "./identity-proof.js";

/** Identity answers per session: a dialer asks once after SETUP; a few spare for retries. */
export const MAX_PROOFS = 4;

export class IdentityBroadcast extends Broadcast {
  readonly #identity: NodeIdentity;
  readonly #onRefuse: (reason: "identity-bad-request" | "identity-limit") => void;
  #answered = 0;

  constructor(identity: NodeIdentity, onRefuse: (reason: "identity-bad-request" | "identity-limit") => void) {
    super();
    this.#identity = identity;
    this.#onRefuse = onRefuse;
    void this.#serve();
  }

  override subscribe(name: string, priority: number): Track {
    if (!parseIdentityTrackName(name)) {
      this.#onRefuse("identity-bad-request");
      throw new StreamError(ResetCode.notServed, "not an identity request");
    }
    if (this.#answered >= MAX_PROOFS) {
      this.#onRefuse("identity-limit");
      throw new StreamError(ResetCode.limit, "identity proofs exhausted");
    }
    this.#answered++;
    return super.subscribe(name, priority);
  }

  async #serve(): Promise<void> {
    for (;;) {
      let req;
      try {
        req = await this.requested();
      } catch {
        return;
      }
      if (!req) return;
      const challenge = parseIdentityTrackName(req.track.name);
      if (!challenge) {
        req.track.close(new StreamError(ResetCode.notServed, "not an identity request"));
        continue;
      }
      const group = new Group(0);
      group.writeFrame(encodeIdentityProof(this.#identity.publicKey, signChallenge(this.#identity, challenge)));
      group.close();
      try {
        req.track.writeGroup(group);
      } catch {
        /* the dialer left already */
      }
      // The track stays open: the dialer closes it once it has read the proof (a subscriber drops
      // groups that arrive after its subscription ended), and the session's end closes it anyway.
    }
  }
}
