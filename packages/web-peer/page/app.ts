/**
 * The watch page as wiring: config (./config.json, then the URL query) → a verified source (the
 * subscriber's trust core, in this page) → `watch` → MsePlayer, and the counters on screen twice a
 * second. The page reads its numbers from the components; it decides nothing about trust itself.
 * `window.__ecWebPeer` exposes the same numbers for tests and the curious.
 */
import { listPeers } from "@ec/verified-stream";
import { CONFIG_FILE, isStalled, MsePlayer, parsePageConfig, playerPill, signerStatus, watch, WebPeerError, whyNotPlaying } from "../src/index.js";
import type { NotPlaying, PageConfig, ShownPeer, ShownStats, VerifiedSource, Watching } from "../src/index.js";

export type { VerifiedSource };

export type OpenSource = (cfg: PageConfig) => VerifiedSource;

/** What the page exposes on `window.__ecWebPeer`. */
export interface PageState {
  config?: PageConfig;
  error?: { code: string; message: string };
  watch?: Watching["counters"];
  player?: MsePlayer;
  source?: VerifiedSource;
  why?: NotPlaying;
  /** ms since navigation start when the first chunk was appended, and when the first frame showed. */
  firstAppendMs?: number;
  firstFrameMs?: number;
  /** Media appended (seconds, from the signed durations), when the last chunk was appended (Date.now()), and its duration. */
  media: { seconds: number; lastAppendAtMs?: number; lastDurationTicks?: number };
}

const $ = (id: string) => document.getElementById(id)!;

async function loadConfigFile(): Promise<unknown> {
  const res = await fetch(`./${CONFIG_FILE}`, { cache: "no-store" });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new WebPeerError("bad-config", `${CONFIG_FILE}: HTTP ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new WebPeerError("bad-config", `${CONFIG_FILE} is not valid JSON`);
  }
}

export async function runPage(openSource: OpenSource): Promise<PageState> {
  const state: PageState = { media: { seconds: 0 } };
  (window as unknown as { __ecWebPeer: PageState }).__ecWebPeer = state;
  const video = $("video") as HTMLVideoElement;
  try {
    state.config = parsePageConfig(await loadConfigFile(), new URLSearchParams(location.search));
    if (!MsePlayer.isSupported()) throw new WebPeerError("no-mse", "this browser cannot play H.264/AAC through Media Source Extensions");
  } catch (err) {
    const e = err instanceof WebPeerError ? err : new WebPeerError("bad-config", String((err as Error)?.message ?? err));
    state.error = { code: e.code, message: e.message };
    showWhy({ kind: e.code === "no-mse" ? "no-mse" : "config", text: `Nothing plays: ${e.message}.` });
    return state;
  }
  const cfg = state.config;
  $("stream-id").textContent = cfg.streamId;
  if (cfg.trustedKeys.length === 0) {
    // A page never trusts a signer on first use: without a pinned key nothing can vouch for video.
    state.why = whyNotPlaying({ stats: undefined, trustedKeys: [], manifestPeer: cfg.manifestPeer, player: { state: "idle" }, appended: 0 });
    showWhy(state.why);
    return state;
  }
  const player = (state.player = new MsePlayer({
    video,
    onEvent: (e) => {
      if (e.type === "appended") state.firstAppendMs ??= performance.now();
    },
  }));
  video.requestVideoFrameCallback?.(() => (state.firstFrameMs ??= performance.now()));
  const source = (state.source = openSource(cfg));
  let appendedSoFar = 0;
  const watching = watch({
    accepted: source.accepted,
    player,
    onChunk: (c, counters) => {
      if (counters.appended === appendedSoFar) return;
      appendedSoFar = counters.appended;
      state.media.seconds += c.durationTicks / 90_000;
      state.media.lastAppendAtMs = Date.now();
      state.media.lastDurationTicks = c.durationTicks;
    },
  });
  state.watch = watching.counters;
  const render = () => renderAll(state, cfg);
  const timer = setInterval(render, 500);
  render();
  watching.done.finally(() => {
    clearInterval(timer);
    render();
  });
  return state;
}

function showWhy(why: NotPlaying | undefined): void {
  const el = $("why");
  el.dataset.why = why?.kind ?? "playing";
  el.textContent = why?.text ?? "Playing verified video.";
}

function renderAll(state: PageState, cfg: PageConfig): void {
  const stats = state.source!.stats();
  const player = state.player!;
  const w = state.watch!;
  const m = state.media;
  const chunkMs = (m.lastDurationTicks ?? 180_000) / 90;
  const stalled = isStalled(m.lastAppendAtMs, Date.now(), chunkMs)
    ? { text: state.source!.whyStuck({ seconds: m.seconds, lastDurationTicks: m.lastDurationTicks, verb: "appended" }).text }
    : undefined;
  state.why = whyNotPlaying({ stats, trustedKeys: cfg.trustedKeys, manifestPeer: cfg.manifestPeer, player, appended: w.appended, stalled });
  showWhy(state.why);

  const pill = $("player-state");
  const shown = playerPill(player.state, state.why);
  pill.textContent = shown.text;
  pill.className = `pill pill-${shown.tone}`;

  const signer = signerStatus(stats, cfg.trustedKeys);
  const badge = $("signer-status");
  badge.textContent = signer.kind === "pinned" ? "pinned" : signer.kind === "waiting" ? "waiting" : "untrusted";
  badge.dataset.kind = signer.kind;
  badge.className = `badge ${signer.kind === "pinned" ? "badge-ok" : signer.kind === "waiting" ? "badge-wait" : "badge-bad"}`;
  $("signer-key").textContent = stats.signer ?? signer.text;
  $("epoch").textContent = stats.epoch ?? "—";

  setNum("verified", stats.objects.accepted);
  setNum("appended", w.appended);
  setNum("skipped", w.skipped);
  setNum("pending", stats.objects.pending);
  const ordering = state.source!.ordering();
  setNum("held", ordering.held);
  setNum("dropped-late", ordering.dropped);
  setNum("manifests-verified", stats.manifests.accepted);
  setNum("failovers", state.source!.failovers());
  reasons("objects-rejected", stats.objects.rejected);
  reasons("manifests-rejected", stats.manifests.rejected);
  peers(stats);
}

function setNum(id: string, n: number): void {
  const s = n.toLocaleString("en-US");
  const el = $(id);
  if (el.textContent !== s) el.textContent = s;
}

function reasons(id: string, counts: Record<string, number>): void {
  const ul = $(id);
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) {
    ul.innerHTML = '<li class="none">none</li>';
    return;
  }
  ul.replaceChildren(
    ...entries.map(([reason, n]) => {
      const li = document.createElement("li");
      li.dataset.reason = reason;
      const name = document.createElement("span");
      name.textContent = reason;
      const num = document.createElement("span");
      num.className = "n";
      num.textContent = String(n);
      li.append(name, num);
      return li;
    }),
  );
}

function peerState(p: ShownPeer): string {
  if (p.dropped) return `dropped: ${p.dropped}`;
  if (p.demoted) return `demoted: ${p.demoted}`;
  if (p.connected) return "connected";
  return p.connects === 0 ? `connecting${p.lastError ? ` (${p.lastError})` : ""}` : `disconnected${p.lastError ? ` (${p.lastError})` : ""}`;
}

function peers(stats: ShownStats): void {
  const body = $("peer-rows");
  // One row per peer and role: a relay serving this page is listed once for manifests, once for objects.
  const list = listPeers(stats.peers);
  if (list.length === 0) return;
  body.replaceChildren(
    ...list.map(({ addr, ps: p }) => {
      const tr = document.createElement("tr");
      tr.dataset.peer = addr;
      tr.dataset.role = p.role;
      const rej = Object.entries(p.rejected).filter(([, n]) => n > 0);
      const cells = [addr, p.role, peerState(p), String(p.received), String(p.accepted), rej.length ? rej.map(([k, n]) => `${n} ${k}`).join(", ") : "0"];
      tr.replaceChildren(
        ...cells.map((c, i) => {
          const td = document.createElement("td");
          td.textContent = c;
          if (i === 0) td.className = "peer";
          if (i === 4) td.dataset.n = "accepted";
          if (i === 5) td.dataset.n = "rejected";
          return td;
        }),
      );
      return tr;
    }),
  );
}
