import type { CauseId } from './causes';
import type { Advice, ProducerId, Verdict } from './probe-result';

/**
 * `channelData.gatewayDoctor` on every bot message activity: the machine-readable summary of the turn, so
 * clients and tests never parse prose. Built by the turn runner, copied field by field by the renderers.
 */
export interface GatewayDoctorChannelData {
  /** Active state as a dotted path, e.g. `user.step.hardRefresh`, `admin.logs`, `greeting`. */
  state: string;
  verdict?: Verdict;
  advice?: Advice;
  producer?: ProducerId;
  cause?: CauseId;
  /** Distinct people who asked about the host in the crowd window, when known (crowd reports). */
  reports?: number;
  /** The help desk's open incident on the site, when one outranks the probe (docs/incidents.md). */
  incident?: { id: string; title: string };
}
