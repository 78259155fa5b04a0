/**
 * One conversation turn, channel-neutral: restore the machine snapshot -> send the events -> let invoked
 * work (the probe) settle within a budget -> persist with an eTag -> hand back the replies.
 *
 * Turns of one conversation are serialised by a keyed lock; a redelivered activity is answered once; a
 * snapshot is never persisted while a child actor is still running (docs/architecture.md, Conventions).
 */
import { createActor, type AnyActorRef, type AnyStateMachine, type Snapshot } from 'xstate';
import { z } from 'zod';
import type { GatewayDoctorChannelData, LocaleId, ProbeResult } from '../contracts';
import type { AnalyticsSignal, HandoffSummary, Reply, SupportEvent } from '../../dialogs/types';
import { isSettled, SNAPSHOT_VERSION, stateToPath } from '../../dialogs/support.machine';
import type { Logger } from '../observability/logger';
import type { ActivityDedupe } from '../storage/activity-dedupe';
import type { KeyedLock } from '../storage/keyed-lock';
import { isStorageError } from '../storage/storage-errors';

/** What is stored per conversation. `version` lets a newer release recognise an older snapshot. */
export interface StoredConversation {
  version: number;
  snapshot: unknown;
  eTag?: string;
}

/**
 * The two storage calls a turn makes. Every botbuilder `Storage` has them (ours in src/storage/, and
 * botbuilder's own MemoryStorage, Cosmos DB or Blob storage), so the core names no channel SDK.
 */
export interface TurnStorage {
  read(keys: string[]): Promise<Record<string, unknown>>;
  write(changes: Record<string, unknown>): Promise<void>;
}

export interface TurnRunnerOptions {
  /** The support machine with its actors provided (probeSite, lookupDns). */
  machine: AnyStateMachine;
  storage: TurnStorage;
  dedupe: ActivityDedupe;
  lock: KeyedLock;
  logger: Logger;
  /** Longest a turn waits for invoked work before sending `turn.timeout`. */
  turnBudgetMs?: number;
  /** How often `onBusy` is called while waiting (typing indicators). */
  busyIntervalMs?: number;
  /**
   * How long a turn waits before the first `onBusy`: a probe answered from the cache settles in well under
   * this, and a typing indicator for it would only be one more message to send (thousands, in an outage).
   */
  busyDelayMs?: number;
  /** How long an activity id is remembered for de-duplication. */
  dedupeTtlMs?: number;
  /**
   * How long an activity stays claimed while its turn runs (when the de-duplication can `remember`): an
   * instance killed mid-turn blocks a redelivery of it for no longer. Default the turn budget plus 5 s.
   */
  claimTtlMs?: number;
}

export interface TurnRequest {
  /** Storage key of the conversation (see storage-keys.ts). */
  key: string;
  /** The channel's activity id; a second delivery of the same id is not answered again. */
  activityId?: string;
  events: SupportEvent[];
  /** Language for a conversation that has none yet. */
  locale: LocaleId;
  /** Opaque id of the person, for the probe's per-person rate limit. */
  requester?: string;
  /** Called when the turn has waited `busyDelayMs` for a probe, then every `busyIntervalMs`. */
  onBusy?: () => Promise<void> | void;
}

export interface TurnResult {
  duplicate: boolean;
  replies: Reply[];
  handoffs: HandoffSummary[];
  watches: { url: string }[];
  /** Analytics signals the machine emitted this turn (no personal data; see dialogs/types.ts). */
  signals: AnalyticsSignal[];
  status: GatewayDoctorChannelData;
  locale: LocaleId;
  /** True when the stored snapshot could not be restored and the conversation started over. */
  restarted: boolean;
}

interface MachineContextView {
  locale?: LocaleId;
  probe?: ProbeResult & { incident?: { id: string; title: string } };
  cause?: GatewayDoctorChannelData['cause'];
}

/** Raised when storage keeps refusing our write because another instance wrote first. */
export class TurnConflictError extends Error {
  override readonly name = 'TurnConflictError';
  readonly code = 'turn_conflict';
}

export interface TurnRunner {
  run(request: TurnRequest): Promise<TurnResult>;
}

export function createTurnRunner({
  machine,
  storage,
  dedupe,
  lock,
  logger,
  turnBudgetMs = 8000,
  busyIntervalMs = 2500,
  busyDelayMs = 150,
  dedupeTtlMs = 24 * 60 * 60 * 1000,
  claimTtlMs = turnBudgetMs + 5000,
}: TurnRunnerOptions): TurnRunner {
  async function once(request: TurnRequest): Promise<TurnResult> {
    const items = await storage.read([request.key]);
    const stored = items[request.key] as StoredConversation | undefined;

    const replies: Reply[] = [];
    const handoffs: HandoffSummary[] = [];
    const watches: { url: string }[] = [];
    const signals: AnalyticsSignal[] = [];
    // Listeners go on before start() so nothing emitted on entry is missed.
    const listen = (target: AnyActorRef): void => {
      target.on('reply', (event: { reply: Reply }) => replies.push(event.reply));
      target.on('handoff', (event: { summary: HandoffSummary }) => handoffs.push(event.summary));
      target.on('watch', (event: { url: string }) => watches.push({ url: event.url }));
      target.on('analytics', (event: { signal: AnalyticsSignal }) => signals.push(event.signal));
    };

    let restarted = false;
    const input = { locale: request.locale, requester: request.requester };
    let actor: AnyActorRef | undefined;
    if (stored && stored.version === SNAPSHOT_VERSION && snapshotShape.safeParse(stored.snapshot).success) {
      actor = tryRestore(machine, stored.snapshot, input, listen);
      if (!actor) logger.warn({ key: request.key }, 'stored snapshot could not be restored; starting over');
    } else if (stored) {
      logger.info({ key: request.key, version: stored.version }, 'snapshot from another version or shape; starting over');
    }
    if (!actor) {
      restarted = stored !== undefined;
      actor = createActor(machine, { input });
      listen(actor);
      actor.start();
    }

    try {
      for (const event of request.events) actor.send(event);
      await settle(actor, request.onBusy);
      const snapshot = actor.getSnapshot();
      if (snapshot.status === 'error') throw snapshot.error;
      const persisted = actor.getPersistedSnapshot();
      const record: StoredConversation = { version: SNAPSHOT_VERSION, snapshot: persisted };
      // A new conversation is written unconditionally; an existing one only over the version we read.
      if (stored?.eTag) record.eTag = stored.eTag;
      await storage.write({ [request.key]: record });
      const context = snapshot.context as MachineContextView;
      return {
        duplicate: false,
        replies,
        handoffs,
        watches,
        signals,
        status: statusOf(stateToPath(snapshot.value), context),
        locale: context.locale ?? request.locale,
        restarted,
      };
    } finally {
      actor.stop();
    }
  }

  /** Waits until no invoked actor is running; past the budget the machine is told to give up waiting. */
  async function settle(actor: AnyActorRef, onBusy: TurnRequest['onBusy']): Promise<void> {
    if (isSettled(actor.getSnapshot())) return;
    await new Promise<void>((resolve) => {
      let typing: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(budget);
        clearTimeout(firstTyping);
        clearInterval(typing);
        subscription.unsubscribe();
        resolve();
      };
      const subscription = actor.subscribe({
        next: (snapshot) => {
          if (isSettled(snapshot)) done();
        },
        error: () => done(),
      });
      const firstTyping = setTimeout(() => {
        void callBusy(onBusy);
        typing = setInterval(() => void callBusy(onBusy), busyIntervalMs);
      }, busyDelayMs);
      const budget = setTimeout(() => {
        actor.send({ type: 'turn.timeout' });
        done();
      }, turnBudgetMs);
      if (isSettled(actor.getSnapshot())) done();
    });
  }

  /** The turn is saved: its activity is remembered for the whole window (a failure only shortens that to the claim). */
  async function rememberDone(seenKey: string): Promise<void> {
    try {
      await dedupe.remember?.(seenKey, dedupeTtlMs);
    } catch (err) {
      logger.warn({ err }, 'could not remember an answered activity beyond its claim');
    }
  }

  async function callBusy(onBusy: TurnRequest['onBusy']): Promise<void> {
    try {
      await onBusy?.();
    } catch (err) {
      logger.debug({ err }, 'typing indicator failed');
    }
  }

  return {
    async run(request) {
      return lock.run(request.key, async () => {
        const seenKey = request.activityId ? `${request.key}#${request.activityId}` : undefined;
        // Two steps where the de-duplication allows: claimed for the turn's length, remembered once it is saved.
        const twoStep = dedupe.remember !== undefined;
        if (seenKey && !(await dedupe.firstSeen(seenKey, twoStep ? claimTtlMs : dedupeTtlMs))) {
          return {
            duplicate: true,
            replies: [],
            handoffs: [],
            watches: [],
            signals: [],
            status: { state: 'unknown' },
            locale: request.locale,
            restarted: false,
          };
        }
        // Another instance may have written between our read and write: one retry re-reads and re-applies.
        for (let attempt = 0; ; attempt += 1) {
          try {
            const result = await once(request);
            if (seenKey && twoStep) await rememberDone(seenKey);
            return result;
          } catch (err) {
            if (!isStorageError(err, 'etag_conflict')) throw err;
            if (attempt < 2) continue;
            throw new TurnConflictError('conversation state kept changing under us', { cause: err });
          }
        }
      });
    },
  };
}

/** The least a stored snapshot must look like before XState is asked to restore it. */
const snapshotShape = z.object({
  status: z.literal('active'),
  value: z.union([z.string(), z.record(z.string(), z.unknown())]),
  context: z.record(z.string(), z.unknown()),
});

/**
 * Restores and starts an actor from a stored snapshot; undefined when XState cannot make sense of it
 * (a state that no longer exists, a context of the wrong shape). Events are replayed on a fresh actor then.
 */
function tryRestore(
  machine: AnyStateMachine,
  snapshot: unknown,
  input: object,
  listen: (actor: AnyActorRef) => void,
): AnyActorRef | undefined {
  try {
    const actor = createActor(machine, { snapshot: snapshot as Snapshot<unknown>, input });
    listen(actor);
    actor.start();
    return actor.getSnapshot().status === 'active' ? actor : undefined;
  } catch {
    return undefined;
  }
}

/** channelData.gatewayDoctor from the active state and the machine's context. */
export function statusOf(state: string, context: MachineContextView): GatewayDoctorChannelData {
  const status: GatewayDoctorChannelData = { state };
  if (context.probe) {
    status.verdict = context.probe.verdict;
    status.advice = context.probe.advice;
    if (context.probe.producer) status.producer = context.probe.producer;
    if (context.probe.incident) status.incident = { id: context.probe.incident.id, title: context.probe.incident.title };
  }
  const cause = context.cause ?? context.probe?.cause;
  if (cause) status.cause = cause;
  const crowd = context.probe?.evidence.find((e) => e.kind === 'crowd');
  if (crowd?.kind === 'crowd') status.reports = crowd.reports;
  return status;
}
