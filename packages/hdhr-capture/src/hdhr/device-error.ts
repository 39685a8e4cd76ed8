/**
 * Reading an HDHomeRun's refusal: the status code plus the `X-HDHomeRun-Error: <code> <text>`
 * header (e.g. `805 All Tuners In Use`), mapped to an `HdhrErrorCode`.
 */
import { HdhrError } from "../errors.js";
import type { HdhrErrorCode } from "../errors.js";

/** Device error codes that clients agree on, and what they mean for us. */
const DEVICE_CODES: Record<number, HdhrErrorCode> = {
  801: "unknown-channel",
  804: "tuners-busy",
  805: "tuners-busy",
  806: "tune-failed",
  807: "no-video",
  811: "content-protected",
};

/**
 * Device text is untrusted: keep printable characters only and at most 200 of them, so it
 * cannot forge log lines or flood them.
 */
export function sanitizeDeviceText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "").trim().slice(0, 200);
}

/** Splits an `X-HDHomeRun-Error` value into its number and text. */
export function parseDeviceError(value: string | undefined): { deviceCode?: number; deviceText?: string } {
  if (value === undefined) return {};
  const clean = sanitizeDeviceText(value);
  const m = /^(\d{1,5})\s*(.*)$/.exec(clean);
  if (!m) return clean ? { deviceText: clean } : {};
  const deviceText = m[2]!.trim();
  return deviceText ? { deviceCode: Number(m[1]), deviceText } : { deviceCode: Number(m[1]) };
}

/** The typed error for a non-200 answer to a stream request. */
export function streamRefusal(status: number, headerValue: string | undefined, what: string): HdhrError {
  const { deviceCode, deviceText } = parseDeviceError(headerValue);
  let code: HdhrErrorCode = (deviceCode !== undefined ? DEVICE_CODES[deviceCode] : undefined) ?? "http-error";
  if (status === 404 && code === "http-error") code = "unknown-channel";
  const said = deviceCode !== undefined || deviceText !== undefined
    ? `: ${[deviceCode, deviceText].filter((x) => x !== undefined).join(" ")}`
    : "";
  return new HdhrError(code, `${what} refused with HTTP ${status}${said}`, {
    status,
    ...(deviceCode !== undefined ? { deviceCode } : {}),
    ...(deviceText !== undefined ? { deviceText } : {}),
  });
}
