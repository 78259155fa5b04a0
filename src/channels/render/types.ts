/** What every renderer shares beyond the contracts (`Translate`, `GatewayDoctorChannelData` in src/contracts). */

/** What a button or a card action carries back to the bot: the same intent a typed word would give. */
export interface ActionValue {
  gatewayDoctor: { intent: string };
}
