/**
 * `dist/cobrowse.js`: the co-browsing recorder (SPEC W3, C2), a script of its own that the
 * widget loads from the hub only once the visitor accepted (the widget stays small). It sets
 * `window.__pupitreCobrowse` (`api.ts`); `start` records the page with rrweb 2.2.2, masked
 * here before anything leaves the page (`mask.ts`, `scrub.ts`), and sends it to the hub's relay
 * (`batch.ts`, `link.ts`). Nothing of the recording is ever stored in the page.
 *
 * The recording starts when the relay socket is open (a full snapshot first), and takes a new
 * full snapshot each time the socket comes back, when the relay asks (`checkout`), and every
 * minute (`checkoutEveryNms`).
 */
import { record } from "rrweb";
import type { RecorderApi, RecorderOptions, Recording } from "./api";
import { RECORDER_GLOBAL } from "./api";
import { Batcher, gzipper } from "./batch";
import { RelayLink, relayUrl } from "./link";
import { point } from "./point";
import { unmasked, usableSelectors } from "./mask";
import { recordOptions } from "./options";
import { Scrubber } from "./scrub";

/** One recording at a time (rrweb's recorder is one per page). */
let current: Recording | null = null;

function start(o: RecorderOptions): Recording {
  current?.stop();
  const unmask = usableSelectors(o.unmask, document, "unmask");
  const mask = usableSelectors(o.mask, document, "mask");
  let stopRecording: (() => void) | null = null;
  let over = false;

  const scrubber = new Scrubber((id) => {
    const node = record.mirror.getNode(id);
    return !!node && node.nodeType === 1 && unmasked(node as Element, unmask);
  });
  const options = recordOptions({ unmask, mask, host: o.host, scrubber, emit: (event) => batcher.add(event) });
  const snapshot = () => {
    try {
      record.takeFullSnapshot(true);
    } catch {
      /* not recording (yet): the socket's next open starts it */
    }
  };
  const teardown = () => {
    over = true;
    stopRecording?.();
    stopRecording = null;
    link.stop();
    batcher.stop();
    if (current === recording) current = null;
  };
  const finish = (why: Parameters<RecorderOptions["onEnd"]>[0]) => {
    if (over) return;
    teardown();
    o.onEnd(why);
  };
  const timers = {
    setTimeout: (f: () => void, ms: number) => window.setTimeout(f, ms),
    clearTimeout: (t: unknown) => window.clearTimeout(t as number),
  };
  const batcher = new Batcher({
    ...timers,
    compress: gzipper(),
    send: (frame) => link.send(frame),
    ready: () => link.ready(),
    tooLarge: () => finish("too_large"),
    resync: snapshot,
  });
  const link = new RelayLink(relayUrl(o.hub), o.relay, { ...timers, WebSocket: window.WebSocket, now: () => Date.now() }, {
    open: () => {
      batcher.reset();
      if (stopRecording) snapshot();
      else stopRecording = record(options) ?? null;
    },
    down: () => batcher.reset(),
    checkout: snapshot,
    ended: finish,
  });
  const recording: Recording = {
    stop: () => !over && teardown(),
    point: (x, y, layer) => !over && point(x, y, layer),
  };
  current = recording;
  link.start();
  return recording;
}

const w = window as unknown as Record<string, unknown>;
if (!w[RECORDER_GLOBAL]) {
  const api: RecorderApi = { version: 1, start };
  w[RECORDER_GLOBAL] = api;
}
