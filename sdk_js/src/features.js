/**
 * Tagged features: a click inside a feature's element is `feature_used`; the element being at
 * least half visible is `feature_seen`, once per feature per page view.
 */
import { noop } from "./util.js";

/** Does `el` (or, for clicks, an ancestor) match the feature's selector? Invalid selectors never match. */
const hit = (el, feature, how) => {
  try {
    return !!el[how](feature.selector);
  } catch (e) {
    return false;
  }
};

/** Start watching; `emit(event, key)` reports. Returns a function that starts a new page view. */
export function watchFeatures(features, emit, guard) {
  const tagged = features.filter((f) => f && f.key && f.selector);
  const d = document;
  if (!tagged.length) return noop;
  d.addEventListener(
    "click",
    guard((e) => tagged.forEach((f) => hit(e.target, f, "closest") && emit("feature_used", f.key))),
    true,
  );

  let seen = {};
  const observer = new IntersectionObserver(
    guard((entries) =>
      entries.forEach((entry) => {
        if (entry.isIntersecting && entry.intersectionRatio >= 0.5)
          tagged.forEach((f) => {
            if (!seen[f.key] && hit(entry.target, f, "matches")) {
              seen[f.key] = 1;
              emit("feature_seen", f.key);
            }
          });
      }),
    ),
    { threshold: 0.5 },
  );
  // Observing an element twice is a no-op, so a rescan only adds new elements.
  const scan = () =>
    tagged.forEach((f) => {
      try {
        d.querySelectorAll(f.selector).forEach((el) => observer.observe(el));
      } catch (e) {}
    });
  let pending = 0;
  new MutationObserver(
    guard(() => {
      pending =
        pending ||
        setTimeout(
          guard(() => {
            pending = 0;
            scan();
          }),
          500,
        );
    }),
  ).observe(d.documentElement, { childList: true, subtree: true });
  scan();

  return () => {
    seen = {};
    observer.disconnect(); // observing again reports what is visible now
    scan();
  };
}
