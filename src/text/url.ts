/** Small readings of URLs that several layers need, kept apart from the probe's URL policy. */

/** The host (name and port, as `URL.host`) of an absolute URL; undefined for text that is not one, or none. */
export function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
