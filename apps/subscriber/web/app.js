// every.channel watch page: plays the subscriber's verified HLS with hls.js and shows its counters.
// Plain ES module, no build step. Everything from the server is rendered with textContent: peer
// addresses and reasons are data, never markup.

const PLAYLIST = "/hls/index.m3u8";
/** Chart span; the server keeps the same amount of history by default. */
const CHART_MS = 5 * 60_000;
/** Moving-average window of the throughput line and figure. */
const AVERAGE_MS = 10_000;

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * What the page knows. Exposed read-only as `window.__ecWatch` so operators (and the browser
 * test) can inspect the player without scraping the DOM.
 */
const state = {
  /** Snapshots received (events or polls). */
  snapshots: 0,
  /** @type {any} the newest snapshot */
  last: null,
  /** @type {Array<{atMs:number, bytes:number, objectsAccepted:number, objectsRejected:number, manifestsAccepted:number}>} */
  samples: [],
  sampleMs: 1000,
  /** @type {any} the hls.js instance, once playing */
  hls: null,
  /** hls.js errors seen: {type, details, fatal}. */
  errors: [],
  /** The fatal ones among them. */
  fatal: [],
  connected: false,
};
Object.defineProperty(window, "__ecWatch", { value: state, enumerable: false });

// ---------------------------------------------------------------- counters

function connect() {
  if (typeof EventSource === "undefined") return poll();
  const es = new EventSource("/api/events");
  es.addEventListener("stats", (e) => {
    state.connected = true;
    onSnapshot(JSON.parse(/** @type {MessageEvent} */ (e).data));
  });
  es.addEventListener("error", () => {
    state.connected = false;
    // EventSource reconnects by itself (the server says `retry: 2000`).
    setPill(state.last?.stats?.result ? "ended" : "disconnected", state.last?.stats?.result ? "pill-wait" : "pill-bad");
  });
}

async function poll() {
  for (;;) {
    try {
      const r = await fetch("/api/stats", { cache: "no-store" });
      if (r.ok) {
        state.connected = true;
        onSnapshot(await r.json());
      }
    } catch {
      state.connected = false;
      setPill("disconnected", "pill-bad");
    }
    await new Promise((res) => setTimeout(res, state.sampleMs));
  }
}

function onSnapshot(snap) {
  if (!snap || snap.v !== 1) return;
  state.snapshots++;
  state.last = snap;
  state.sampleMs = snap.throughput.sampleMs;
  const newest = state.samples.length ? state.samples[state.samples.length - 1].atMs : -Infinity;
  for (const s of snap.throughput.samples) if (s.atMs > newest) state.samples.push(s);
  const keep = Math.ceil(CHART_MS / state.sampleMs) + 2;
  if (state.samples.length > keep) state.samples.splice(0, state.samples.length - keep);
  render(snap);
  if (snap.stats && snap.stats.segments > 0 && !state.hls) startPlayer();
}

function render(snap) {
  const s = snap.stats;
  if (!s) {
    setPill("starting", "pill-wait");
    return;
  }
  $("stream-id").textContent = s.streamId;
  if (s.result) setPill(s.result.ok ? "ended" : "failed", s.result.ok ? "pill-wait" : "pill-bad");
  else setPill("live", "pill-ok");

  // Signer
  $("signer-key").textContent = s.signer ?? "none verified yet";
  const pinned = $("signer-pinned");
  if (!s.signer) setBadge(pinned, s.signerPinned ? "pinned key, waiting for a manifest" : "no key pinned", "badge-wait");
  else if (s.signerPinned) setBadge(pinned, "pinned (--trusted-key)", "badge-ok");
  else setBadge(pinned, "NOT pinned: trusted on first use", "badge-warn");
  $("epoch").textContent = s.epoch ?? "—";

  // Manifests and objects
  $("manifests-verified").textContent = fmtInt(s.manifests.accepted);
  renderReasons($("manifests-rejected"), s.manifests.rejected);
  $("objects-accepted").textContent = fmtInt(s.objects.accepted);
  $("objects-duplicates").textContent = fmtInt(s.objects.duplicates);
  $("objects-pending").textContent = fmtInt(s.objects.pending);
  $("objects-evicted").textContent = fmtInt(s.objects.evictedUnvouched);
  renderReasons($("objects-rejected"), s.objects.rejected);

  // Live edge
  const age = snap.liveEdge.newestSegmentAgeMs;
  $("segment-age").textContent = age === null ? "—" : `${(age / 1000).toFixed(1)} s ago (#${snap.liveEdge.newestSegmentSeq})`;
  $("segments").textContent = fmtInt(s.segments);
  $("media-seconds").textContent = `${s.mediaSeconds.toFixed(1)} s`;
  $("discontinuities").textContent = fmtInt(s.discontinuities);

  renderPeers(s.peers);
  renderRejectedByPeer(s.peers);
  renderRelays(snap.relays);
  $("result").textContent = s.result ? `subscriber ${s.result.ok ? "finished" : "failed"}: ${s.result.reason}` : "";
  drawChart(snap.nowMs);
}

function renderReasons(ul, counts) {
  const rows = Object.entries(counts).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  ul.replaceChildren();
  if (!rows.length) {
    ul.append(el("li", "none", "none"));
    return;
  }
  for (const [reason, n] of rows) {
    const li = el("li");
    li.dataset.reason = reason;
    li.append(el("span", "", reason), el("span", "n", fmtInt(n)));
    ul.append(li);
  }
}

function peerState(p) {
  if (p.dropped) return "dropped";
  if (p.connected) return "connected";
  return p.connects ? "disconnected" : "not connected yet";
}

function peerClass(p) {
  return p.dropped ? "dropped" : p.demoted ? "demoted" : "";
}

/** One line on what became of a peer: dropped for good, demoted for junk, or its connection state. */
function peerStatus(p) {
  if (p.dropped) return `dropped: ${p.dropped}`;
  const state = peerState(p);
  // Newer subscribers demote a peer that served junk (it goes behind the others) before dropping it.
  if (p.demoted) return `${state}; demoted${p.demotions > 1 ? ` ×${p.demotions}` : ""}: ${p.demoted}`;
  return state;
}

/**
 * Every peer entry as [address, counters], manifest peers first: `peers` is grouped by role
 * (`peers.manifests`, `peers.objects`), so an address in both roles is listed twice, once per role.
 */
function peerList(peers) {
  return ["manifests", "objects"].flatMap((role) => Object.entries(peers?.[role] ?? {}));
}

function renderPeers(peers) {
  const tbody = $("peer-rows");
  tbody.replaceChildren();
  const list = peerList(peers);
  if (!list.length) {
    tbody.append(noneRow(7, "no peer yet"));
    return;
  }
  for (const [addr, p] of list) {
    const tr = el("tr", peerClass(p));
    tr.dataset.peer = addr;
    tr.dataset.role = p.role;
    const role = el("span", `role role-${p.role}`, p.role);
    tr.append(
      peerCell(addr),
      cell(role),
      cell(peerStatus(p)),
      cell(fmtInt(p.connects), "num"),
      cell(fmtInt(p.received), "num"),
      cell(fmtInt(p.accepted), "num"),
      cell(fmtInt(sum(p.rejected)), "num"),
    );
    tbody.append(tr);
  }
}

function renderRejectedByPeer(peers) {
  const tbody = $("rejected-by-peer");
  tbody.replaceChildren();
  const list = peerList(peers).filter(([, p]) => sum(p.rejected) > 0);
  if (!list.length) {
    tbody.append(noneRow(3, "none"));
    return;
  }
  for (const [addr, p] of list) {
    const tr = el("tr", peerClass(p));
    tr.dataset.peer = addr;
    tr.dataset.role = p.role;
    const reasons = Object.entries(p.rejected).filter(([, n]) => n > 0).map(([r, n]) => `${n} ${r}`).join(", ");
    tr.append(peerCell(addr), cell(reasons), cell(`${p.role}, ${peerStatus(p)}`));
    tbody.append(tr);
  }
}

/** Relay hops in front of this subscriber (ec-node relay --stats-json files); the card shows only when there are some. */
function renderRelays(relays) {
  const card = $("relays");
  if (!Array.isArray(relays) || relays.length === 0) {
    card.hidden = true;
    return;
  }
  card.hidden = false;
  const tbody = $("relay-rows");
  tbody.replaceChildren();
  for (const r of relays) {
    const tr = el("tr", r.state === "verifying" ? "" : "demoted");
    tr.dataset.relay = r.endpoint ?? r.file;
    const ups = r.upstreams.map((u) => `${shortAddr(u.peer)}: ${fmtInt(u.accepted)} ok, ${fmtInt(u.rejected)} rejected${u.dropped ? " (dropped)" : ""}`).join("; ");
    const rejected = Object.entries(r.objectsRejected).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ") || "none";
    tr.append(
      r.endpoint ? peerCell(r.endpoint) : cell(r.file),
      cell(r.state),
      cell(fmtInt(r.objectsForwarded), "num"),
      cell(fmtInt(r.manifestsForwarded), "num"),
      cell(rejected),
      cell(ups || "—"),
    );
    tr.title = r.reason;
    tbody.append(tr);
  }
}

function shortAddr(addr) {
  const m = /@(.*)$/.exec(addr);
  return m ? m[1] : addr;
}

// ---------------------------------------------------------------- player

function startPlayer() {
  const video = /** @type {HTMLVideoElement} */ ($("video"));
  const Hls = /** @type {any} */ (window).Hls;
  if (Hls && Hls.isSupported()) {
    const hls = new Hls({ liveSyncDurationCount: 3, backBufferLength: 60, enableWorker: true });
    state.hls = hls;
    hls.on(Hls.Events.ERROR, (_ev, data) => {
      const e = { type: data.type, details: data.details, fatal: !!data.fatal };
      if (state.errors.length < 100) state.errors.push(e);
      if (!data.fatal) return;
      state.fatal.push(e);
      setStatus(`player error: ${data.details}; recovering…`);
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        setTimeout(() => hls.startLoad(), 2000);
      } else {
        hls.destroy();
        state.hls = null; // the next snapshot starts a fresh player
      }
    });
    hls.loadSource(PLAYLIST);
    hls.attachMedia(video);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    // Safari plays HLS natively.
    state.hls = { native: true };
    video.src = PLAYLIST;
  } else {
    setStatus("this browser cannot play HLS (no Media Source Extensions)");
    state.hls = { unsupported: true };
    return;
  }
  video.muted = true;
  video.play().catch(() => setStatus("press play to start (the browser blocked autoplay)"));
}

function playerTick() {
  const video = /** @type {HTMLVideoElement} */ ($("video"));
  if (!state.hls || state.hls.unsupported) return;
  const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
  const frames = q ? q.totalVideoFrames - q.droppedVideoFrames : 0;
  const latency = state.hls.latency;
  $("player-latency").textContent = typeof latency === "number" && Number.isFinite(latency) && latency > 0 ? `${latency.toFixed(1)} s` : "—";
  if (!state.fatal.length || video.currentTime > 0) {
    const what = video.paused ? "paused" : video.readyState >= 3 ? "playing" : "buffering";
    setStatus(`${what} · ${video.currentTime.toFixed(1)} s · ${frames} frames decoded${video.videoWidth ? ` · ${video.videoWidth}×${video.videoHeight}` : ""}`);
  }
}

// ---------------------------------------------------------------- chart

function drawChart(nowMs) {
  const canvas = /** @type {HTMLCanvasElement} */ ($("chart"));
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(100, canvas.clientWidth);
  const h = Math.max(60, canvas.clientHeight);
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const css = getComputedStyle(document.documentElement);
  const colour = (v) => css.getPropertyValue(v).trim();
  const pad = { l: 54, r: 8, t: 8, b: 18 };
  const pw = w - pad.l - pad.r;
  const ph = h - pad.t - pad.b;
  // The span grows with the history, from one minute up to CHART_MS, so a fresh page is not empty.
  const first = state.samples.length ? state.samples[0].atMs : nowMs;
  const span = Math.min(CHART_MS, Math.max(60_000, Math.ceil((nowMs - first) / 60_000) * 60_000));
  const visible = state.samples.filter((s) => s.atMs > nowMs - span);
  const kbps = (s) => (s.bytes * 8) / state.sampleMs; // bytes per interval -> kbit/s
  // Segments land whole (a 2 s segment in one interval), so a moving average shows the real rate.
  const avgWindow = Math.max(1, Math.round(AVERAGE_MS / state.sampleMs));
  const avg = visible.map((_, i) => {
    const from = Math.max(0, i - avgWindow + 1);
    let n = 0;
    for (let j = from; j <= i; j++) n += kbps(visible[j]);
    return n / (i - from + 1);
  });
  const top = niceCeil(Math.max(1, ...visible.map(kbps)));
  const x = (t) => pad.l + pw * (1 - (nowMs - t) / span);
  const y = (v) => pad.t + ph * (1 - v / top);

  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = colour("--dim");
  ctx.strokeStyle = colour("--line");
  ctx.lineWidth = 1;
  for (const f of [0, 0.5, 1]) {
    const yy = Math.round(y(top * f)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(pad.l, yy);
    ctx.lineTo(w - pad.r, yy);
    ctx.stroke();
    ctx.textAlign = "right";
    ctx.fillText(fmtInt(Math.round(top * f)), pad.l - 6, yy + 4);
  }
  ctx.textAlign = "left";
  ctx.fillText(`−${span / 60_000} min`, pad.l, h - 4);
  ctx.textAlign = "right";
  ctx.fillText("now", w - pad.r, h - 4);

  const bw = Math.max(1, (pw * state.sampleMs) / span - 1);
  // Per-interval writes, faint; the moving average on top.
  ctx.globalAlpha = 0.35;
  ctx.fillStyle = colour("--ok");
  visible.forEach((s) => {
    const v = kbps(s);
    if (v > 0) ctx.fillRect(x(s.atMs) - bw, y(v), bw, pad.t + ph - y(v));
  });
  ctx.globalAlpha = 1;
  ctx.strokeStyle = colour("--ok");
  ctx.lineWidth = 2;
  ctx.beginPath();
  visible.forEach((s, i) => (i ? ctx.lineTo(x(s.atMs), y(avg[i])) : ctx.moveTo(x(s.atMs), y(avg[i]))));
  ctx.stroke();
  // Rejections as red ticks from the baseline: a third of the plot per rejected object, capped.
  ctx.fillStyle = colour("--bad");
  for (const s of visible) {
    if (s.objectsRejected > 0) {
      const hh = Math.min(ph, (ph / 3) * s.objectsRejected);
      ctx.fillRect(x(s.atMs) - Math.max(2, bw), pad.t + ph - hh, Math.max(2, bw), hh);
    }
  }
  const now = avg[avg.length - 1];
  $("throughput-now").textContent = now !== undefined ? `· ${fmtInt(Math.round(now))} kbit/s (${AVERAGE_MS / 1000} s average)` : "";
}

function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// ---------------------------------------------------------------- helpers

function el(tag, cls = "", text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function cell(content, cls = "") {
  const td = el("td", cls);
  if (typeof content === "string") td.textContent = content;
  else td.append(content);
  return td;
}

function noneRow(span, text) {
  const tr = el("tr", "none");
  const td = el("td", "", text);
  td.colSpan = span;
  tr.append(td);
  return tr;
}

/** `ecmoq://<64 hex>@host:port` is long; show the key's ends, keep the whole address in the tooltip. */
function peerCell(addr) {
  const td = el("td", "peer", shortPeer(addr));
  td.title = addr;
  return td;
}

function shortPeer(addr) {
  const m = /^ecmoq:\/\/([0-9a-f]{64})@(.+)$/.exec(addr);
  return m ? `${m[1].slice(0, 8)}…${m[1].slice(-4)}@${m[2]}` : addr;
}

function setPill(text, cls) {
  const p = $("conn");
  p.textContent = text;
  p.className = `pill ${cls}`;
}

function setBadge(node, text, cls) {
  node.textContent = text;
  node.className = `badge ${cls}`;
}

function setStatus(text) {
  $("player-status").textContent = text;
}

function sum(counts) {
  let n = 0;
  for (const v of Object.values(counts)) n += v;
  return n;
}

function fmtInt(n) {
  return Number(n).toLocaleString("en-US");
}

connect();
setInterval(playerTick, 500);
window.addEventListener("resize", () => state.last && drawChart(state.last.nowMs));
