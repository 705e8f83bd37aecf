/**
 * render(survey, hooks): one survey in an open shadow root on a host element appended to <body>,
 * one question at a time, then the thank-you text for a moment. Never throws into the page.
 * In page mode (a survey link's own page) it sits inline in `hooks.into`, full width, and stays.
 */
import { guard, h } from "./dom.js";
import { END, last, next } from "./flow.js";
import { QUESTIONS } from "./questions/index.js";
import { adopt } from "./style.js";
import { theme } from "./theme.js";

const LABELS = { close: "Close", next: "Next", submit: "Submit", skip: "Skip", any: "Choose any that apply", of: "of" };
const THANKS_MS = 2500;

/**
 * Show `survey` (as GET /v1/config sends it). Hooks, all optional: nonce (a CSP nonce), onShown(),
 * onAnswer(answers, completed) after each answer and once more at the end, onDismiss() when closed
 * before the end, onClose(shown) last (shown: whether it was ever on screen). Returns {close()}, which
 * closes without calling onDismiss. Page mode: mode "page", into (the element to render in), answers
 * (given before, e.g. a score clicked in an email: the first question counts as answered, and the survey
 * goes on from the question after it).
 */
export function render(survey, hooks) {
  hooks = hooks || {};
  const page = hooks.mode == "page";
  const call = (name, ...args) => guard(hooks[name] || (() => {}))(...args);
  let host, closed, finished, timer, shown;

  function close() {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    const focused = host && document.activeElement == host; // focus is in the widget: give it back
    if (host) host.remove();
    if (focused && before && before.focus) guard(() => before.focus({ preventScroll: true }))();
    call("onClose", !!shown);
  }

  const before = document.activeElement;
  // Someone typing in the page keeps their focus: a space would otherwise answer the survey.
  let quiet = before && (before.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(before.tagName));
  try {
    const questions = (survey.questions || []).filter(Boolean);
    const labels = Object.assign({}, LABELS, survey.labels);
    const ctx = { labels, rtl: survey.dir == "rtl" };
    const answers = {};
    let asked = 0;
    const find = (id) => questions.find((q) => q.id == id && QUESTIONS[q.type]);
    if (!find(questions[0] && questions[0].id)) throw 0; // nothing to ask

    const dismiss = () => {
      if (!finished) call("onDismiss");
      close();
    };
    const title = h("p", { id: "q", className: "q", tabIndex: -1 });
    const step = h("p", { className: "sub" }); // "2 of 3", for surveys of several questions
    const body = h("div");
    const { vars, position } = theme(survey.appearance);
    const center = position == "center";
    host = h("gapwise-survey");
    // The page's CSS cannot style the host (custom properties still pass); inline in a page, it is a block.
    host.style.cssText = "all:initial" + (page ? ";display:block" : "");
    for (const name in vars) host.style.setProperty(name, vars[name]);
    const root = host.attachShadow({ mode: "open" });
    adopt(root, hooks.nonce);
    // Centred, it covers the page: a backdrop shows that, and a click on it dismisses like × or Escape.
    if (center && !page) root.appendChild(h("div", { className: "backdrop", onclick: dismiss }));
    root.appendChild(
      h(
        "div",
        {
          role: "dialog",
          "aria-modal": "false",
          "aria-labelledby": "q",
          className: "box " + (page ? "page" : position),
          dir: ctx.rtl ? "rtl" : "ltr",
          lang: survey.locale,
          onkeydown(e) {
            if (e.key == "Escape" && !page) {
              e.stopPropagation(); // the page's own Escape handlers are not about us
              dismiss();
            }
          },
        },
        !page && h("button", { type: "button", className: "x", "aria-label": labels.close, onclick: dismiss }, "×"),
        questions[1] && step,
        title,
        body,
      ),
    );

    const finish = () => {
      finished = true;
      if (Object.keys(answers).length) call("onAnswer", Object.assign({}, answers), true);
      title.textContent = survey.thankYou || "Thank you!";
      step.textContent = "";
      body.replaceChildren();
      title.focus();
      if (!page) timer = setTimeout(guard(close), THANKS_MS);
    };

    const ask = (q) => {
      if (!q) return finish();
      const type = QUESTIONS[q.type];
      const done = (answer) => {
        if (closed || finished) return;
        if (answer == null) {
          if (q.required !== false) return; // only optional questions can be skipped
        } else {
          if (!type.valid(q, answer)) return;
          answers[q.id] = answer;
          call("onAnswer", Object.assign({}, answers), false);
        }
        const id = next(questions, q, answer);
        ask(id != END && find(id));
      };
      title.textContent = q.text; // text, never markup
      // Questions asked so far, and the rest along the path taken without a branch (branches may shorten it).
      let total = ++asked;
      for (let at = q; (at = find(next(questions, at))) && total < questions.length; ) total++;
      step.textContent = asked + " " + labels.of + " " + total;
      ctx.last = last(questions, q);
      body.replaceChildren(type.view(q, done, ctx));
      if (type.auto && q.required === false)
        body.appendChild(h("button", { type: "button", className: "skip", onclick: () => done(null) }, labels.skip));
      // The question itself takes the focus (a screen reader reads it; Tab reaches the answers): focus on the
      // first option would look like an answer chosen. A text answer's box takes it, to type at once.
      const first = body.querySelector("textarea") || title;
      if (!quiet) first.focus({ preventScroll: true });
      quiet = 0; // once answering, focus follows the questions
      return done;
    };

    (page && hooks.into || document.body).appendChild(host);
    const given = page ? (hooks.answers || {})[questions[0].id] : null;
    const answer = ask(questions[0]);
    if (given != null) answer(given); // an invalid one leaves the question asked
    shown = true;
    call("onShown");
  } catch (e) {
    close(); // never shown, or broken half-way: tell the tracker it may move on
  }
  return { close: guard(close) };
}
