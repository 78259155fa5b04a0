export { understand } from './understand';
export type { UnderstandOptions } from './understand';
export { detectClient } from './client-detection';
export type { ClientGuess } from './client-detection';
export { extractUrl } from './url-extraction';
export { normaliseText, MAX_KEPT_CHARS, MAX_SCANNED_CHARS } from './normalise';
export { UNDERSTANDING_TABLES, parseUnderstandingTable, understandingTableSchema } from './understanding-table';
export type { UnderstandingTable } from './understanding-table';
export { VARIANT_PATTERNS, VARIANT_PRECEDENCE } from './variants';
