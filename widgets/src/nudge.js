/**
 * renderNudge(nudge, hooks): a banner, tooltip, modal or checklist (as GET /v1/config sends it under
 * `nudges`) in an open shadow root. Texts go in as text, never markup. Its messages go out through
 * hooks.send("nudge", {nudgeId, action, step}); hooks.onClose(shown) is called once it is gone (shown:
 * whether it was ever on screen), so the tracker knows whether to move on. Never throws into the page.
 *
 * - banner: across the top or bottom of the page; tooltip: pointing at its feature's element (waiting up
 *   to 10 s for it to appear; never shown without it); modal: centred over a backdrop, focus kept inside;
 *   checklist: its steps, each ticked off when the step's feature is used (or, on a later page, when the
 *   server saw its event).
 * - The call to action opens its URL, or "show me": scrolls to the feature and rings it. Following it
 *   completes a banner, tooltip or modal; closing (×, Escape, the backdrop) dismisses any kind.
 */
import { guard, h } from "./dom.js";
import { find, ring } from "./ring.js";
import { adopt } from "./style.js";
import { theme } from "./theme.js";

const LABELS = { close: "Close", showMe: "Show me", done: "{n} of {total} done" };
const WAIT_MS = 10000;
const THANKS_MS = 1500;

export function renderNudge(nudge, hooks) {
  hooks = hooks || {};
  const call = (name, ...args) => guard(hooks[name] || (() => {}))(...args);
  const say = (action, step) => call("send", "nudge", { nudgeId: nudge.nudgeId, action, step });
  const undo = []; // listeners and timers to remove on close
  const before = document.activeElement;
  const quiet = before && (before.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(before.tagName));
  let host, closed, box, shown;

  function close(action) {
    if (closed) return;
    closed = true;
    if (action) say(action);
    undo.forEach((fn) => guard(fn)());
    const focused = host && document.activeElement == host;
    if (host) host.remove();
    if (focused && before && before.focus) guard(() => before.focus({ preventScroll: true }))();
    call("onClose", !!shown);
  }
  const listen = (target, type, fn, capture) => {
    fn = guard(fn);
    target.addEventListener(type, fn, capture);
    undo.push(() => target.removeEventListener(type, fn, capture));
  };

  function show(anchor) {
    const kind = nudge.kind;
    const labels = Object.assign({}, LABELS, nudge.labels);
    const { vars, position } = theme(nudge.appearance);
    host = h("gapwise-nudge");
    host.style.cssText = "all:initial";
    for (const name in vars) host.style.setProperty(name, vars[name]);
    const root = host.attachShadow({ mode: "open" });
    adopt(root, hooks.nonce);

    const cta = nudge.cta;
    const url = cta && cta.action == "url" && /^https?:\/\//i.test(cta.url || "") ? cta.url : null;
    const target = nudge.selector;
    const steps = (kind == "checklist" && nudge.steps) || [];
    const action =
      cta && cta.label && (url || (cta.action == "show_me" && find(target)))
        ? h(
            "button",
            {
              type: "button",
              className: "go",
              onclick() {
                if (closed) return;
                say("clicked");
                if (!steps.length) close("completed"); // a checklist is completed by its steps
                if (url) location.assign(url);
                else ring(find(target), hooks.nonce);
              },
            },
            cta.label,
          )
        : null;
    const progress = h("p", { className: "sub", "aria-live": "polite" });
    const list = steps.length ? h("ol", { className: "steps" }) : null;

    /** Draw the checklist; once every step is done, say so, then close. */
    const tick = () => {
      const done = steps.filter((s) => s.done).length;
      progress.textContent = labels.done.replace("{n}", done).replace("{total}", steps.length);
      list.replaceChildren(
        ...steps.map((s) =>
          h(
            "li",
            { className: s.done ? "done" : "" },
            h("span", { className: "mark", "aria-hidden": "true" }, s.done ? "\u2713" : ""),
            h("span", { className: "t" }, s.text, s.done && h("span", { className: "sr" }, " (done)")),
            !s.done &&
              find(s.selector) &&
              h("button", { type: "button", className: "o", onclick: () => ring(find(s.selector), hooks.nonce) }, labels.showMe),
          ),
        ),
      );
      if (done == steps.length) {
        say("completed");
        undo.push(clearTimeout.bind(null, setTimeout(guard(() => close()), THANKS_MS)));
      }
    };
    if (list)
      // A step is done when its feature is used here: a click inside the feature's element.
      listen(
        document,
        "click",
        (e) => {
          const step = steps.find((s) => !s.done && s.selector && inside(e.target, s.selector));
          if (!step || closed) return;
          step.done = true;
          say("completed", step.id);
          tick();
        },
        true,
      );

    const titleId = "t";
    box = h(
      "div",
      {
        role: "dialog",
        "aria-modal": kind == "modal" ? "true" : "false",
        "aria-labelledby": titleId,
        tabIndex: -1,
        className: "box nudge " + (kind == "banner" ? "banner " + (nudge.position == "bottom" ? "bottom" : "top") : kind == "modal" ? "center" : kind == "tooltip" ? "tip" : position),
        dir: nudge.dir == "rtl" ? "rtl" : "ltr",
        lang: nudge.locale,
        onkeydown(e) {
          if (e.key == "Escape") {
            e.stopPropagation();
            close("dismissed");
          } else if (e.key == "Tab" && kind == "modal") trap(e);
        },
      },
      h("button", { type: "button", className: "x", "aria-label": labels.close, onclick: () => close("dismissed") }, "\u00d7"),
      h("p", { id: titleId, className: "q" }, nudge.title || nudge.body),
      nudge.title && h("p", { className: "body" }, nudge.body),
      list && progress,
      list,
      action,
    );
    const trap = (e) => {
      const items = [...box.querySelectorAll("button")];
      const first = items[0];
      const last = items[items.length - 1];
      const at = root.activeElement;
      if (e.shiftKey ? at == first || at == box : at == last) {
        e.preventDefault();
        (e.shiftKey ? last : first).focus();
      }
    };
    if (kind == "modal")
      root.appendChild(h("div", { className: "backdrop", onclick: () => close("dismissed") }));
    root.appendChild(box);
    if (anchor) {
      const arrow = h("div", { className: "arrow" });
      box.appendChild(arrow);
      const place = guard(() => {
        if (!anchor.isConnected) return close(); // the feature left the page: so does its tooltip
        const r = anchor.getBoundingClientRect();
        const w = box.offsetWidth;
        const below = r.bottom + box.offsetHeight + 12 < innerHeight || r.top < box.offsetHeight + 12;
        const left = Math.max(8, Math.min(r.left + r.width / 2 - w / 2, innerWidth - w - 8));
        box.style.left = left + "px";
        box.style.top = (below ? r.bottom + 10 : r.top - box.offsetHeight - 10) + "px";
        arrow.className = "arrow " + (below ? "up" : "down");
        arrow.style.left = Math.max(12, Math.min(r.left + r.width / 2 - left - 6, w - 24)) + "px";
      });
      listen(window, "scroll", place, true);
      listen(window, "resize", place);
      document.body.appendChild(host);
      place();
    } else document.body.appendChild(host);
    say("shown");
    shown = true;
    if (list) tick();
    const first = action || box.querySelector("button");
    if (!quiet) (kind == "banner" || kind == "checklist" ? box : first).focus({ preventScroll: true });
  }

  try {
    if (!nudge || !nudge.nudgeId || !nudge.body) throw 0;
    if (nudge.kind == "tooltip") {
      // Wait for the feature's element; without it there is nothing to point at.
      const started = Date.now();
      const look = guard(() => {
        if (closed) return;
        const anchor = find(nudge.selector);
        if (anchor) {
          clearInterval(timer);
          show(anchor);
        } else if (Date.now() - started > WAIT_MS) {
          clearInterval(timer);
          close();
        }
      });
      const timer = setInterval(look, 250);
      undo.push(() => clearInterval(timer));
      look();
    } else show();
  } catch (e) {
    close();
  }
  return { close: guard(() => close()) };
}

/** Is `el` inside an element matching `selector`? Bad selectors never match. */
function inside(el, selector) {
  try {
    return !!el.closest(selector);
  } catch (e) {
    return false;
  }
}
