/** The records an administrator checks after a DNS change (the `lookupDns` actor's output). */
export interface DnsReport {
  host: string;
  a: string[];
  aaaa: string[];
  cname: string[];
  ns: string[];
  /** A resolver error code such as ENOTFOUND or ESERVFAIL, when the lookup failed. */
  error?: string;
}
