/**
 * @gapwise/tracker, the npm module: init() starts the same tracker as gapwise.min.js, on an object of its
 * own rather than window.gapwise, and returns its API. Importing it reads no global, so it is safe in
 * server-side rendering; there (no window) init() returns an API whose calls do nothing.
 */
import "./index.js";
import { own } from "./own.js";

const METHODS = "identify group track page reset optOut optIn flush showSurvey on".split(" ");
const warn = (...args) => console.warn("[gapwise]", ...args);

/** What init() returns where there is no browser: the same calls, doing nothing. */
const inert = () => {
  const api = {};
  METHODS.forEach((name) => (api[name] = () => {}));
  api.flush = () => Promise.resolve();
  api.on = () => () => {};
  return api;
};

let api, started;

/**
 * Start tracking with `options` ({writeKey, host, debug, respectDnt, flushInterval, capturePageviews}) and
 * return the API. There is one tracker per page: a later call returns the same API (and warns if it names
 * another write key, which it ignores).
 */
export function init(options) {
  const o = options || {};
  if (typeof window == "undefined" || typeof document == "undefined") return inert();
  if (api) {
    if (o.writeKey != started) warn("init() was already called with write key", started, "; this call's options are ignored");
    return api;
  }
  if (!o.writeKey) {
    warn("init() needs a writeKey; nothing is sent");
    return inert();
  }
  own.start();
  own.init((started = o.writeKey), o);
  api = {};
  METHODS.forEach((name) => (api[name] = own[name]));
  return api;
}
