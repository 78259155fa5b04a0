/** What every renderer shares beyond the contracts (`Translate`, `GatewayDoctorChannelData` in src/contracts). */

/**
 * What a button or a card action carries back to the bot: the same intent a typed word would give, and the
 * state path of the message it is on, so a press on an earlier card is recognised as such.
 */
export interface ActionValue {
  gatewayDoctor: { intent: string; state?: string };
}

/** The action value of one choice on a message said in `state`. */
export function actionValue(intent: string, state: string | undefined): ActionValue {
  return { gatewayDoctor: { intent, ...(state ? { state } : {}) } };
}
