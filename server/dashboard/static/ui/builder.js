/**
 * The survey builder, enhanced: question and choice rows added and removed in the page, the fields of
 * each question type and trigger shown only when they apply, locale fields kept in step with the
 * locales, and a live preview that renders the survey being edited with the real widgets
 * (/sdk/widgets.js, window.gapwiseWidgets) into #preview. The preview gets no write key and no hooks
 * that send anything: answers given in it go nowhere. Without this script the form still works.
 */
(function () {
  "use strict";
  const form = document.getElementById("builder");
  const preview = document.getElementById("preview");
  if (!form || !preview) return;
  const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
  const RTL = ["ar", "he", "fa", "ur", "ps", "yi", "dv", "ku"];
  const CHOICE_TYPES = ["single_choice", "multi_choice"];
  const list = document.getElementById("question-list");
  const localeSelect = document.getElementById("preview-locale");
  const statusLine = document.getElementById("preview-status");
  let handle = null; // the preview widget on screen
  let replacing = false; // closing the old preview to draw a new one: not the PM closing it
  let from = null; // the question being edited: the preview starts there
  let timer = 0;
  let last = null; // the survey the preview shows, as JSON: unchanged, it is not redrawn

  const field = (name) => form.elements.namedItem(name);
  const val = (name) => {
    const el = field(name);
    return el && !el.disabled && typeof el.value == "string" ? el.value.trim() : "";
  };
  const questions = () => Array.from(list.querySelectorAll(":scope > .question"));

  /** The default locale, then each other valid locale once (as the server reads them). */
  function locales() {
    const out = [LOCALE.test(val("defaultLocale")) ? val("defaultLocale") : "en"];
    val("locales").split(/[\s,]+/).forEach((l) => LOCALE.test(l) && !out.includes(l) && out.push(l));
    return out;
  }

  /** Replace the row placeholders of a cloned template in every attribute. */
  function fill(fragment, values) {
    fragment.querySelectorAll("*").forEach((el) => {
      Array.from(el.attributes).forEach((attr) => {
        let v = attr.value;
        for (const key in values) v = v.split(key).join(values[key]);
        if (v != attr.value) el.setAttribute(attr.name, v);
      });
    });
    return fragment;
  }

  const nextNumber = (nodes, key) => nodes.reduce((max, el) => Math.max(max, Number(el.dataset[key]) + 1 || 0), 0);

  function addChoice(question) {
    const rows = question.querySelector(".choice-list");
    const c = nextNumber(Array.from(rows.children), "c");
    const fragment = fill(document.getElementById("choice-template").content.cloneNode(true),
      { __N__: question.dataset.n, __C__: String(c) });
    const row = fragment.firstElementChild;
    rows.appendChild(fragment);
    enhance(row);
    return row;
  }

  function addQuestion(type) {
    const n = nextNumber(questions(), "n");
    const fragment = fill(document.getElementById("question-template").content.cloneNode(true), { __N__: String(n) });
    const question = fragment.firstElementChild;
    list.appendChild(fragment);
    const taken = questions().map((q) => val("q" + q.dataset.n + ".id"));
    let i = questions().length;
    while (taken.includes("q" + i)) i++;
    field("q" + n + ".id").value = "q" + i;
    field("q" + n + ".type").value = type;
    if (CHOICE_TYPES.includes(type)) addChoice(question), addChoice(question);
    enhance(question);
    renumber();
    field("q" + n + ".text." + locales()[0]).focus();
    from = question;
  }

  function renumber() {
    questions().forEach((q, i) => {
      q.querySelector(".q-number").textContent = String(i + 1);
      q.querySelector(".remove-question").textContent = "Remove question " + (i + 1);
      q.querySelectorAll(".move-question").forEach((b) => {
        b.textContent = "Move question " + (i + 1) + (b.value.startsWith("up") ? " up" : " down");
      });
    });
  }

  /** Show only the fields that apply to each question's type, the trigger and the frequency. */
  function toggle() {
    questions().forEach((q) => {
      const type = val("q" + q.dataset.n + ".type");
      q.querySelectorAll(".only").forEach((el) => (el.hidden = !el.dataset.types.split(" ").includes(type)));
      if (CHOICE_TYPES.includes(type) && !q.querySelector(".choice")) addChoice(q), addChoice(q);
    });
    form.querySelectorAll(".only-trigger").forEach((el) => (el.hidden = el.dataset.trigger != val("targeting.trigger")));
    form.querySelectorAll(".only-frequency").forEach((el) => (el.hidden = val("targeting.frequency") != "every"));
  }

  /** One text field per locale in every localized group; fields of dropped locales are hidden and not sent. */
  function syncLocales(root) {
    const wanted = locales();
    root.querySelectorAll(".loc-group").forEach((group) => {
      const rows = Array.from(group.querySelectorAll(":scope > .loc"));
      const tail = group.querySelector(":scope > :not(.loc)");
      wanted.forEach((locale) => {
        let row = rows.find((r) => r.dataset.locale == locale);
        if (!row) row = localeRow(group, rows[0], locale);
        row.hidden = false;
        row.querySelector("input").disabled = false;
        group.insertBefore(row, tail);
      });
      rows.filter((r) => !wanted.includes(r.dataset.locale)).forEach((r) => {
        r.hidden = true;
        r.querySelector("input").disabled = true;
      });
    });
    const chosen = localeSelect.value;
    localeSelect.replaceChildren(...wanted.map((l) => new Option(l, l, false, l == chosen)));
  }

  function localeRow(group, model, locale) {
    const row = model.cloneNode(true);
    const id = "f-" + group.dataset.name + "." + locale;
    const input = row.querySelector("input");
    row.dataset.locale = locale;
    input.id = id;
    input.name = group.dataset.name + "." + locale;
    input.value = "";
    input.removeAttribute("aria-invalid");
    row.querySelector("label").htmlFor = id;
    row.querySelector(".locale").textContent = "(" + locale + ")";
    return row;
  }

  function enhance(root) {
    root.querySelectorAll(".remove-choice").forEach((b) => (b.hidden = false));
    syncLocales(root);
  }

  // --- the preview: the form read as GET /v1/config would send the survey, rendered by the real widgets ---

  function branches(text) {
    const out = [];
    text.split("\n").forEach((line) => {
      const [left, goto] = line.replace("→", "->").split("->").map((s) => (s || "").trim());
      if (!left || !goto) return;
      const span = /^(-?\d+(?:\.\d+)?)?\s*\.\.\s*(-?\d+(?:\.\d+)?)?$/.exec(left);
      if (span) out.push({ min: span[1] == null ? null : +span[1], max: span[2] == null ? null : +span[2], goto });
      else if (/^-?\d+(\.\d+)?$/.test(left)) out.push({ min: +left, max: +left, goto });
      else out.push({ choices: left.split(",").map((s) => s.trim()).filter(Boolean), goto });
    });
    return out;
  }

  /** The id saving makes from a choice label left without one (branches name choices by it). */
  const slug = (text, fallback) =>
    text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 40) || fallback;

  function survey(locale) {
    const fallback = locales()[0];
    const text = (name) => val(name + "." + locale) || val(name + "." + fallback) || null;
    const qs = questions().map((el, i) => {
      const p = "q" + el.dataset.n + ".";
      const type = val(p + "type");
      const q = { id: val(p + "id") || "q" + (i + 1), type, required: field(p + "required").checked,
        text: text(p + "text") || "(no question text yet)", branches: branches(field(p + "branches").value) };
      if (val(p + "next")) q.next = val(p + "next");
      if (type == "nps" || type == "rating") {
        q.lowLabel = text(p + "lowLabel");
        q.highLabel = text(p + "highLabel");
        if (type == "rating") q.scale = Number(val(p + "scale")) || 5;
      } else if (CHOICE_TYPES.includes(type)) {
        q.choices = Array.from(el.querySelectorAll(".choice"))
          .map((c, j) => {
            const cp = p + "c" + c.dataset.c + ".";
            const label = text(cp + "label");
            return label && { id: val(cp + "id") || slug(val(cp + "label." + fallback), "c" + (j + 1)), label };
          })
          .filter(Boolean);
      } else if (type == "text") {
        q.placeholder = text(p + "placeholder") || "";
        q.maxLength = Number(val(p + "maxLength")) || 1000;
      }
      return q;
    });
    const colors = {};
    ["accent", "background", "text"].forEach((k) => val("appearance." + k) && (colors[k] = val("appearance." + k)));
    const start = from && questions().indexOf(from) > 0 ? questions().indexOf(from) : 0;
    return {
      start,
      total: qs.length,
      doc: { id: "preview", kind: val("kind"), locale, dir: RTL.includes(locale.split("-")[0]) ? "rtl" : "ltr",
        questions: qs.slice(start), thankYou: text("thankYou") || "Thank you!",
        appearance: { position: val("appearance.position"), theme: val("appearance.theme"), colors } },
    };
  }

  function render(force) {
    clearTimeout(timer);
    const widgets = window.gapwiseWidgets;
    if (!widgets) return say("The widget script did not load: no preview.");
    const next = survey(localeSelect.value || locales()[0]);
    // Redrawn only when the survey changed: a field's "change" on leaving it (after its "input" redrew
    // already) would otherwise replace the widget under the click that made the field lose focus.
    const drawn = JSON.stringify(next);
    if (drawn == last && force !== true) return;
    last = drawn;
    const keep = document.activeElement;
    if (handle) {
      replacing = true;
      handle.close();
      replacing = false;
    }
    const { doc, start, total } = next;
    handle = widgets.render(doc, {
      nonce: preview.dataset.nonce,
      onAnswer(answers, completed) {
        if (completed) say("The preview reached its end (answers here are not sent).");
      },
      onClose() {
        if (!replacing) {
          last = null;
          say("The preview closed. Restart it, or edit the survey, to see it again.");
        }
      },
    });
    // The widget adds itself to <body>; it is moved into the preview box, which frames its fixed position.
    document.querySelectorAll("body > gapwise-survey").forEach((host) => preview.appendChild(host));
    if (keep && keep != document.activeElement && document.contains(keep)) keep.focus({ preventScroll: true });
    say(total ? `Previewing from question ${start + 1} of ${total} (${doc.locale}). Answers here are not sent.` : "");
  }

  const say = (text) => (statusLine.textContent = text);
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(render, 120);
  };

  // --- wiring ---

  form.addEventListener("click", (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    const [verb, arg] = (button.value || "").split(":");
    if (button.name == "action" && verb == "add") addQuestion(arg);
    else if (button.name == "action" && verb == "choice") {
      const row = addChoice(button.closest(".question"));
      field("q" + arg + ".c" + row.dataset.c + ".label." + locales()[0]).focus();
    } else if (button.name == "action" && verb == "remove") {
      const gone = button.closest(".question");
      const after = gone.nextElementSibling || gone.previousElementSibling;
      gone.remove();
      if (from == gone) from = null;
      renumber();
      (after ? after.querySelector("select") : document.querySelector(".add-question")).focus();
    } else if (button.name == "action" && (verb == "up" || verb == "down")) {
      const question = button.closest(".question");
      const other = verb == "up" ? question.previousElementSibling : question.nextElementSibling;
      if (other) list.insertBefore(question, verb == "up" ? other : other.nextElementSibling);
      renumber();
      button.focus();
    } else if (button.classList.contains("remove-choice")) {
      const question = button.closest(".question");
      button.closest(".choice").remove();
      question.querySelector(".add-choice").focus();
    } else return;
    e.preventDefault();
    toggle();
    later();
  });
  form.addEventListener("focusin", (e) => {
    const question = e.target.closest(".question");
    if (question && question != from) {
      from = question;
      later();
    }
  });
  form.addEventListener("input", later);
  form.addEventListener("change", (e) => {
    if (e.target.classList.contains("locale-field")) syncLocales(form);
    toggle();
    later();
  });
  localeSelect.addEventListener("change", () => render(true));
  document.getElementById("preview-restart").addEventListener("click", () => {
    from = null;
    render(true);
  });

  form.classList.add("enhanced"); // hides what only the script-less form needs (.nojs-only)
  document.querySelector(".preview-controls").hidden = false;
  preview.hidden = false;
  enhance(form);
  toggle();
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  if (window.gapwiseWidgets) render();
  else window.addEventListener("load", render);
})();
