/**
 * Text ⇄ gzip ⇄ base64, for caching large text in a store that speaks JSON only (Upstash REST).
 * Prose compresses about tenfold, so an entry costs a tenth of the bandwidth and of Upstash's
 * request-size allowance (1 MB per request on its free plan). The runtime's native
 * CompressionStream does the work (RFC 1952 gzip).
 */

const CHUNK = 0x8000;

/** The UTF-8 bytes of `text`, gzip-compressed, as base64. */
export async function gzipToBase64(text: string): Promise<string> {
  const compressed = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(compressed).arrayBuffer());
  let binary = "";
  // In chunks: spreading a whole large array into one call would overflow the argument limit.
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/**
 * The text `gzipToBase64` encoded. Throws (a DOMException for bad base64, a TypeError for a
 * corrupt stream) when `encoded` is not such a value.
 */
export async function gunzipFromBase64(encoded: string): Promise<string> {
  const binary = atob(encoded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const text = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(text).text();
}
