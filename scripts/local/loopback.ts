import { isIPv4 } from "node:net";

/**
 * True only for hosts that cannot leave this machine. The relay and the SQL
 * endpoint are deliberately unable to reach anything else, so a misconfigured
 * connection string can never turn them into an open proxy.
 */
export function isLoopbackHost(rawHost: string): boolean {
  const host = rawHost.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost" || host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  if (isIPv4(host)) return host.split(".")[0] === "127";
  // IPv4-mapped IPv6 (::ffff:127.x.y.z) is still loopback.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  return mapped?.[1] !== undefined && isIPv4(mapped[1]) && mapped[1].startsWith("127.");
}

/**
 * Splits "host:port" where host may be a bare or bracketed IPv6 address
 * (the Neon driver builds `address=${host}:${port}` without brackets).
 */
export function splitHostPort(address: string): { host: string; port: number } | null {
  const idx = address.lastIndexOf(":");
  if (idx <= 0) return null;
  const host = address.slice(0, idx).replace(/^\[(.*)\]$/, "$1");
  const portText = address.slice(idx + 1);
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535 || host === "") return null;
  return { host, port };
}
