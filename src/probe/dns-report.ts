/**
 * The DNS records an administrator checks after a change: A, AAAA, CNAME and NS. Only the resolver is
 * asked; the site itself is never contacted. The report is the truth: before it reaches a conversation it
 * goes through `publicDnsReport` (src/probe/public-view.ts), which hides names the probe may not reach.
 */
import { Resolver as DnsResolver } from 'node:dns/promises';
import type { DnsReport } from '../contracts';

export interface DnsReportOptions {
  timeoutMs?: number;
  /** Resolver servers to ask instead of the system's (tests, split-horizon set-ups). */
  servers?: string[];
}

/** Looks up a host's records; never throws (a failure is reported in `error`). */
export async function lookupDnsReport(host: string, { timeoutMs = 3000, servers }: DnsReportOptions = {}): Promise<DnsReport> {
  const resolver = new DnsResolver({ timeout: Math.max(100, Math.floor(timeoutMs / 2)), tries: 1 });
  if (servers && servers.length > 0) resolver.setServers(servers);
  const report: DnsReport = { host, a: [], aaaa: [], cname: [], ns: [] };
  const timer = setTimeout(() => resolver.cancel(), timeoutMs);
  try {
    const [a, aaaa, cname, ns] = await Promise.allSettled([
      resolver.resolve4(host),
      resolver.resolve6(host),
      resolver.resolveCname(host),
      resolver.resolveNs(apexGuess(host)),
    ]);
    if (a.status === 'fulfilled') report.a = a.value;
    if (aaaa.status === 'fulfilled') report.aaaa = aaaa.value;
    if (cname.status === 'fulfilled') report.cname = cname.value;
    if (ns.status === 'fulfilled') report.ns = ns.value;
    if (report.a.length === 0 && report.aaaa.length === 0 && report.cname.length === 0) {
      const failure = [a, aaaa].find((r): r is PromiseRejectedResult => r.status === 'rejected');
      report.error = errorCode(failure?.reason) ?? 'ENODATA';
    }
  } finally {
    clearTimeout(timer);
  }
  return report;
}

/** NS records live at the zone apex; without a public-suffix list the last two labels are a fair guess. */
function apexGuess(host: string): string {
  const labels = host.split('.').filter(Boolean);
  return labels.length <= 2 ? host : labels.slice(-2).join('.');
}

function errorCode(reason: unknown): string | undefined {
  if (reason && typeof reason === 'object' && 'code' in reason && typeof reason.code === 'string') return reason.code;
  return undefined;
}
