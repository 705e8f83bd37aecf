/**
 * gapwise.js, the tracker. Takes over window.gapwise from the loader snippet: replays the
 * queued calls (init, then identity calls, then the rest), then answers calls directly.
 * The npm module (module.js) runs the same tracker on an object of its own (see `esm` below).
 */
import { watchFeatures } from "./features.js";
import { watchPages } from "./pages.js";
import { createQueue } from "./queue.js";
import { order } from "./replay.js";
import { createStore } from "./storage.js";
import { own } from "./own.js";
import { createSurveys } from "./surveys.js";
import { createSender } from "./transport.js";
import { bytes, noop, obj, uuid } from "./util.js";

const VERSION = __VERSION__; // set by build.mjs from package.json
const METHODS = "init identify group track page reset optOut optIn flush showSurvey on".split(" ");
const MAX_MESSAGE_BYTES = 32e3; // the server refuses bigger messages one by one

// `esm`, set by build.mjs, is false in gapwise.min.js, which takes over window.gapwise as soon as it runs;
// true in the npm module, which reads no global when imported (server-side rendering) and never touches
// window.gapwise: its init() calls own.start(), which runs start() with `own` as the tracker's object.
let w = esm || window;
let d = esm || document;
const g = esm ? own : (w.gapwise = w.gapwise || {});
if (esm)
  own.start = () => {
    w = window;
    d = document;
    start();
  };
else if (!g._loaded) start(); // a second copy of the tracker does nothing

function start() {
  g._loaded = g.invoked = true; // invoked: a later copy of the snippet does nothing either
  const store = createStore(() => w.localStorage);
  const pending = []; // calls made before init
  const handlers = {};
  let debug, writeKey, host, queue, sender, dnt;
  let widgets = 0; // the survey widgets' script was added
  let fetches = 0; // config requests made
  let watching = 0; // tagged features are watched (from the first config that arrives)
  let newPageView = noop; // resets which features were seen
  // The CSP nonce the snippet gave this script, for the widgets' script (and styles, if need be).
  const nonce = (d.currentScript || {}).nonce;

  const log = (...args) => debug && console.warn("[gapwise]", ...args);
  const guard = (fn) =>
    function () {
      try {
        return fn.apply(this, arguments);
      } catch (e) {
        log(e);
      }
    };
  const later = (fn, ms) => setTimeout(guard(fn), ms);
  // Fires on() callbacks: survey:shown|dismissed|answered.
  const emit = (name, data) => (handlers[name] || []).forEach((cb) => guard(cb)(data));

  const anonymousId = () => {
    let id = store.get("gw_aid");
    if (!id) store.set("gw_aid", (id = uuid()));
    return id;
  };
  const silenced = () => dnt || store.get("gw_opt") == "1";

  /** Build a message around `fields`, snapshot it as JSON and queue it. The one way out. */
  function send(type, fields) {
    if (!queue || silenced()) return;
    const message = {
      type,
      messageId: uuid(), // made once: retries and beacons resend this very id
      anonymousId: anonymousId(),
      userId: store.get("gw_uid"), // null while anonymous, as Segment's analytics.js sends it
      timestamp: new Date().toISOString(),
      context: {
        library: { name: "gapwise.js", version: VERSION },
        page: { path: location.pathname, url: location.href, title: d.title },
      },
      ...fields,
    };
    let json;
    try {
      json = JSON.stringify(message); // circular or otherwise unserialisable: dropped here
    } catch (e) {
      return log("dropped", e);
    }
    if (bytes(json) > MAX_MESSAGE_BYTES) return log("dropped", type);
    if (queue.push(JSON.parse(json)) >= 20) sender.flush();
  }

  /** Add the survey widgets' script, once, when the first survey is due. */
  const load = (then) => {
    if (widgets++) return;
    const tag = d.createElement("script");
    tag.async = true;
    tag.src = host + "/sdk/widgets.js";
    if (nonce) tag.nonce = nonce;
    tag.onload = guard(then);
    d.head.appendChild(tag);
  };
  const surveys = createSurveys(send, emit, () => sender.flush(), store, load, later, nonce);

  function loadConfig() {
    const query = new URLSearchParams({ writeKey, anonymousId: anonymousId(), locale: navigator.language });
    const userId = store.get("gw_uid");
    const current = ++fetches;
    if (userId) query.set("userId", userId);
    fetch(host + "/v1/config?" + query, { credentials: "omit" })
      .then((response) => (response.ok ? response.json() : {}))
      .then(
        guard((config) => {
          if (current != fetches) return; // a newer request (after identify or reset) answers for now
          const features = Array.isArray(config.features) ? config.features : [];
          if (!watching++) newPageView = watchFeatures(features, (event, feature) => api.track(event, { feature }), guard);
          surveys.config(config);
        }),
      )
      .catch(log);
  }
  /** After the person changed: what the server has for them now (once a config was asked for). */
  const refresh = () => fetches && !silenced() && loadConfig();

  const api = {
    init(key, options) {
      if (writeKey || !key) return log("init ignored");
      const o = obj(options);
      debug = o.debug;
      writeKey = key;
      host = (o.host || location.origin).replace(/\/+$/, "");
      dnt = o.respectDnt && navigator.doNotTrack == "1";
      queue = createQueue(store, "gw_q_" + key);
      sender = createSender({
        queue,
        writeKey,
        url: host + "/v1/batch",
        fetch: (url, init) => fetch(url, init),
        beacon: navigator.sendBeacon && ((url, body) => navigator.onLine && navigator.sendBeacon(url, body)),
        later,
        log,
      });
      // On each tick: adopt what closed tabs left, save this tab's queue, send. Now: send only what was adopted.
      setInterval(guard(() => queue.sync(sender.flush)), o.flushInterval || 3000);
      queue.sync((adopted) => adopted && sender.flush());
      // Hidden or left: beacon what is queued, save the rest (for any tab at once if this page is gone for good).
      const hide = guard((gone) => queue.save(gone, sender.unload()));
      addEventListener("pagehide", (e) => hide(!e.persisted));
      d.addEventListener("visibilitychange", () => d.visibilityState == "hidden" && hide());

      order(pending.splice(0)).forEach(invoke); // identity first, so the first page view knows the user
      if (o.capturePageviews !== false) {
        api.page();
        watchPages(
          guard(() => {
            newPageView();
            api.page();
          }),
        );
      }
      if (!silenced()) loadConfig();
    },
    identify(userId, traits) {
      if (userId != null && userId !== "" && store.get("gw_uid") != userId) {
        store.set("gw_uid", "" + userId);
        refresh();
      }
      send("identify", { traits: obj(traits) });
    },
    group: (groupId, traits) => send("group", { groupId, traits: obj(traits) }),
    track(event, properties) {
      send("track", { event, properties: obj(properties) });
      surveys.fire("event", event);
      if (event == "feature_used") surveys.fire("feature", obj(properties).feature);
    },
    page(properties) {
      send("page", {
        properties: { path: location.pathname, url: location.href, title: d.title, referrer: d.referrer, ...obj(properties) },
      });
      surveys.fire("pageview");
    },
    reset() {
      store.del("gw_uid");
      store.set("gw_aid", uuid());
      store.del("gw_seen"); // what the previous person saw says nothing about the next one
      refresh();
    },
    optOut() {
      store.set("gw_opt", "1");
      queue.clear();
    },
    optIn: () => store.del("gw_opt"),
    flush: () => sender.flush(),
    showSurvey: surveys.show, // for previews and tests: now, whatever its trigger, URL or cache
    on(name, callback) {
      const list = (handlers[name] = handlers[name] || []);
      list.push(callback);
      return () => list.splice(list.indexOf(callback) >>> 0, 1);
    },
  };

  /** Run one call [name, args, resolve?]; before init, keep it for later (on() works at once). */
  function invoke(call) {
    const name = call[0];
    let result;
    try {
      if (writeKey || name == "init" || name == "on") result = api[name].apply(api, call[1] || []);
      else {
        pending.push(call);
        if (name == "flush" && !call[2]) result = new Promise((resolve) => (call[2] = resolve));
        return result;
      }
    } catch (e) {
      log(e);
    }
    if (call[2]) call[2](result); // a flush() promise handed out by the snippet or before init
    return name == "flush" ? Promise.resolve(result) : result;
  }

  // The snippet's queue: everything but init waits in `pending`, which init replays.
  const queued = order(g._q || []);
  const inits = queued.filter((call) => call[0] == "init");
  pending.push(...queued.filter((call) => call[0] != "init"));
  g._q = pending; // what still waits for init, for anyone looking
  METHODS.forEach((name) => (g[name] = (...args) => invoke([name, args])));
  inits.forEach(invoke);
}
