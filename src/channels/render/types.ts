/**
 * What every renderer shares: a translator fixed to one language for one turn, and the machine-readable
 * summary every bot message carries in `channelData.gatewayDoctor` (DESIGN.md §5).
 */
import type { Advice, CauseId, ProducerId, Verdict } from '../../probe/types';

/** i18next's `getFixedT(locale)` narrowed to what renderers use; interpolations are escaped by i18next. */
export type Translate = (key: string, vars?: Record<string, unknown>) => string;

/** `channelData.gatewayDoctor` on every bot message activity. */
export interface GatewayDoctorChannelData {
  /** Active state as a dotted path, e.g. `user.step.hardRefresh`, `admin.logs`, `greeting`. */
  state: string;
  verdict?: Verdict;
  advice?: Advice;
  producer?: ProducerId;
  cause?: CauseId;
}

/** What a button or a card action carries back to the bot: the same intent a typed word would give. */
export interface ActionValue {
  gatewayDoctor: { intent: string };
}
