import type { LaunchOptions } from 'playwright-core';

/**
 * How the robot starts Chromium: the system build (never a downloaded one), headless, with
 * everything that phones home switched off. `CHROMIUM_PATH` overrides the executable,
 * default `/usr/bin/chromium`; it is read once, when this module loads.
 */
export const CHROMIUM_LAUNCH_OPTIONS: Readonly<LaunchOptions> = Object.freeze({
  executablePath: process.env['CHROMIUM_PATH'] || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    // WebRTC's UDP would go around the egress proxy (ADR 69).
    '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  ],
});
