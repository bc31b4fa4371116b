/**
 * The scanner's identity (design.md §44). `SCANNER_ENGINE_VERSION` changes whenever the rules or
 * the normalisation change what a bundle's verdict can be; every scan row stores it, and the rescan
 * job (issue 28 item 4) works through the approved versions whose newest scan has another one.
 */
export const SCANNER_ENGINE_VERSION = "2026.2";

/** Why a scan row was written: at upload, by the background rescan, or by an admin's rescan call. */
export const SCAN_TRIGGERS = ["upload", "rescan", "manual"] as const;
export type ScanTrigger = (typeof SCAN_TRIGGERS)[number];
