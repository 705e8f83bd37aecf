/**
 * Where each question goes next, in the survey builder: "go to" rows (one per choice, or per score range)
 * kept in step with the same branches as text ("0..6 -> detractor"), the language forms/branching.py reads.
 * A change to the rows rewrites the text; a change to the text redraws the rows, or, when they cannot show it,
 * hides them and lets the text alone say it. The "go to" selects offer only later questions and the end, and
 * follow questions as they are added, moved, renamed and removed; a pick that a move put before its question
 * is kept, marked, for the PM to fix. The preview (builder.js) reads the text. Without this script the rows
 * and the text post as they are, and the server says which wins.
 */
(function () {
  "use strict";
  const form = document.getElementById("builder");
  const list = document.getElementById("question-list");
  if (!form || !list) return;
  const SCALES = ["nps", "rating"];
  const CHOICES = ["single_choice", "multi_choice"];
  const NUMBER = /^-?\d+(\.\d+)?$/;
  const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
  const seenIds = new Map(); // question element -> the id it had, to follow renames
  const seenTypes = new Map(); // question element -> its type, to reset the ranges of a new type

  const field = (name) => form.elements.namedItem(name);
  const val = (name) => {
    const el = field(name);
    return el && !el.disabled && typeof el.value == "string" ? el.value.trim() : "";
  };
  const questions = () => Array.from(list.querySelectorAll(":scope > .question"));
  const prefix = (q) => "q" + q.dataset.n + ".";
  const locale = () => (LOCALE.test(val("defaultLocale")) ? val("defaultLocale") : "en");
  const idOf = (q, i) => val(prefix(q) + "id") || "q" + (i + 1); // as saving names a question left without id
  const typeOf = (q) => val(prefix(q) + "type");
  const slug = (text, fallback) =>
    text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 40) || fallback;
  const num = (n) => (n == null ? "" : String(n));

  /** The branches of a text, or null when a line is not in the language. */
  function parse(text) {
    const out = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const [left, goto] = line.replace("→", "->").split("->").map((s) => (s || "").trim());
      if (!left || !goto || line.replace("→", "->").split("->").length != 2) return null;
      const span = /^(-?\d+(?:\.\d+)?)?\s*\.\.\s*(-?\d+(?:\.\d+)?)?$/.exec(left);
      if (span) out.push({ min: span[1] == null ? null : +span[1], max: span[2] == null ? null : +span[2], goto });
      else if (NUMBER.test(left)) out.push({ min: +left, max: +left, goto });
      else out.push({ choices: left.split(",").map((s) => s.trim()).filter(Boolean), goto });
    }
    return out;
  }

  const line = (b) => (b.choices ? b.choices.join(", ") : num(b.min) + ".." + num(b.max)) + " -> " + b.goto;

  /** Each choice row's id, keyed by its row number: the one typed, else the one saving makes from its label. */
  function choiceIds(q) {
    const ids = new Map();
    let position = 0;
    q.querySelectorAll(".choice").forEach((c) => {
      const p = prefix(q) + "c" + c.dataset.c + ".";
      const labels = Array.from(c.querySelectorAll(".loc input")).filter((i) => !i.disabled && i.value.trim());
      if (!val(p + "id") && !labels.length && !val(p + "goals")) return; // a blank row is not a choice
      position++;
      ids.set(c.dataset.c, val(p + "id") || slug(val(p + "label." + locale()), "c" + position));
    });
    return ids;
  }

  /** The branches the rows say: choices going to one place grouped, in choice order; ranges in row order. */
  function fromRows(q) {
    const type = typeOf(q);
    if (CHOICES.includes(type)) {
      const ids = choiceIds(q);
      const groups = new Map();
      q.querySelectorAll(".goto-choices .goto-row").forEach((row) => {
        const goto = row.querySelector("select").value;
        if (!goto || !ids.has(row.dataset.c)) return;
        if (!groups.has(goto)) groups.set(goto, []);
        groups.get(goto).push(ids.get(row.dataset.c));
      });
      return Array.from(groups, ([goto, choices]) => ({ choices, goto }));
    }
    if (!SCALES.includes(type)) return [];
    return Array.from(q.querySelectorAll(".range-list .goto-row"))
      .map((row) => {
        const [min, max] = Array.from(row.querySelectorAll("input.score"), (i) => i.value.trim());
        const goto = row.querySelector("select").value;
        return goto && (min || max) ? { min: min === "" ? null : +min, max: max === "" ? null : +max, goto } : null;
      })
      .filter(Boolean);
  }

  /** Set the rows from branches; false when they cannot show them. */
  function toRows(q, branches) {
    const type = typeOf(q);
    if (SCALES.includes(type)) {
      if (branches.some((b) => b.choices)) return false;
      q.querySelector(".range-list").replaceChildren();
      branches.forEach((b) => addRange(q, num(b.min), num(b.max), b.goto));
      if (!branches.length) defaultRanges(q);
      return true;
    }
    if (!CHOICES.includes(type)) return !branches.length;
    const rowOf = new Map(Array.from(choiceIds(q), ([c, id]) => [id, c]));
    const gotos = new Map();
    for (const b of branches) {
      for (const id of b.choices || [null]) {
        if (!rowOf.has(id) || gotos.has(rowOf.get(id))) return false;
        gotos.set(rowOf.get(id), b.goto);
      }
    }
    const selects = q.querySelectorAll(".goto-choices .goto-row select");
    const before = Array.from(selects, (s) => s.value);
    q.querySelectorAll(".goto-choices .goto-row").forEach((row) => pick(row.querySelector("select"), gotos.get(row.dataset.c) || ""));
    // Several choices picked at once take the first branch naming one: the rows keep the choices' order.
    if (type == "multi_choice" && JSON.stringify(fromRows(q)) != JSON.stringify(branches)) {
      selects.forEach((s, i) => pick(s, before[i]));
      return false;
    }
    return true;
  }

  /** Select `value`, adding it as an option when the select lacks it (options() marks it). */
  function pick(select, value) {
    if (!Array.from(select.options).some((o) => o.value == value)) select.add(new Option(value, value));
    select.value = value;
  }

  /** Rows or text alone: the marker tells the server the rows say the same as the text. */
  function showRows(q, on) {
    q.querySelector(".goto-rows").hidden = !on;
    q.querySelector(".as-text-note").hidden = on;
    let marker = q.querySelector(".rows-marker");
    if (!marker) {
      marker = Object.assign(document.createElement("input"), { type: "hidden", name: prefix(q) + "rows", value: "on" });
      marker.className = "rows-marker";
      q.querySelector(".branching").prepend(marker);
    }
    marker.disabled = !on;
    if (!on) q.querySelector("details.as-text").open = true;
  }

  const rowsOn = (q) => {
    const marker = q.querySelector(".rows-marker");
    return !!marker && !marker.disabled;
  };

  function writeText(q) {
    const text = q.querySelector(".branches-text");
    const value = fromRows(q).map(line).join("\n");
    if (text.value.trim() != value) text.value = value;
  }

  function readText(q) {
    const branches = parse(q.querySelector(".branches-text").value);
    showRows(q, !!branches && toRows(q, branches));
  }

  function fromTemplate(id, values) {
    const fragment = document.getElementById(id).content.cloneNode(true);
    fragment.querySelectorAll("*").forEach((el) => {
      Array.from(el.attributes).forEach((attr) => {
        let v = attr.value;
        for (const key in values) v = v.split(key).join(values[key]);
        if (v != attr.value) el.setAttribute(attr.name, v);
      });
    });
    return fragment.firstElementChild;
  }

  function addRange(q, min, max, goto) {
    const rows = q.querySelector(".range-list");
    const r = Array.from(rows.children).reduce((m, el) => Math.max(m, Number(el.dataset.r) + 1 || 0), 0);
    const row = fromTemplate("range-template", { __N__: q.dataset.n, __R__: String(r) });
    const [low, high] = row.querySelectorAll("input.score");
    low.value = min;
    high.value = max;
    rows.appendChild(row);
    options(q, row.querySelector("select"));
    pick(row.querySelector("select"), goto || "");
    return row;
  }

  function defaultRanges(q) {
    const seven = val(prefix(q) + "scale") == "7";
    const spans = typeOf(q) == "rating" ? (seven ? [[1, 3], [4, 5], [6, 7]] : [[1, 2], [3, 3], [4, 5]]) : [[0, 6], [7, 8], [9, 10]];
    q.querySelector(".range-list").replaceChildren();
    spans.forEach(([low, high]) => addRange(q, String(low), String(high), ""));
  }

  /** One "go to" row per choice, in the choices' order, each named by the choice's label. */
  function syncChoiceRows(q) {
    const box = q.querySelector(".goto-choices");
    const rows = new Map(Array.from(box.children, (row) => [row.dataset.c, row]));
    const wanted = Array.from(q.querySelectorAll(".choice"), (c) => c.dataset.c);
    rows.forEach((row, c) => wanted.includes(c) || row.remove());
    wanted.forEach((c) => {
      let row = rows.get(c);
      if (!row) row = fromTemplate("choice-goto-template", { __N__: q.dataset.n, __C__: c });
      box.appendChild(row);
      const p = prefix(q) + "c" + c + ".";
      row.querySelector(".choice-name").textContent = val(p + "label." + locale()) || val(p + "id") || "this choice";
    });
  }

  /** A select's options: the default, each later question, the end; a value that is none of them kept, marked. */
  function options(q, select) {
    const all = questions();
    const at = all.indexOf(q);
    const value = select.value;
    const offered = [new Option(select.dataset.default || "default", "")];
    all.slice(at + 1).forEach((other, k) => {
      const id = idOf(other, at + 1 + k);
      const text = val(prefix(other) + "text." + locale());
      offered.push(new Option(`Question ${at + 2 + k} (${id})` + (text ? ": " + text.slice(0, 40) : ""), id));
    });
    offered.push(new Option("the end of the survey", "end"));
    let problem = "";
    if (value && !offered.some((o) => o.value == value)) {
      const where = all.findIndex((other, i) => idOf(other, i) == value);
      offered.push(new Option(`${value} (${where >= 0 ? "not a later question" : "no such question"})`, value));
      problem =
        where < 0
          ? `No question has the id '${value}': go to a later question or the end.`
          : where == at
            ? "A question cannot go to itself: go to a later question or the end."
            : `Question ${where + 1} (${value}) now comes before this one: go to a later question or the end.`;
    }
    select.replaceChildren(...offered);
    select.value = value;
    warn(select, problem);
  }

  function warn(select, message) {
    const row = select.closest(".goto-row");
    row.querySelectorAll(".field-warning").forEach((el) => el.remove());
    let note = row.querySelector(".js-warning");
    if (!message) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = Object.assign(document.createElement("p"), { className: "warning js-warning", id: "warn-" + select.name });
      select.after(note);
      select.setAttribute("aria-describedby", note.id);
    }
    note.textContent = message;
  }

  /** Follow renamed question ids in every pick and text, so branches keep pointing at the same questions. */
  function followRenames() {
    const renamed = new Map();
    const all = questions();
    all.forEach((q, i) => {
      const id = idOf(q, i);
      const old = seenIds.get(q);
      // An id another question still has is that question's: picks naming it stay.
      if (old != null && old != id && !all.some((other, j) => other != q && idOf(other, j) == old)) renamed.set(old, id);
      seenIds.set(q, id);
    });
    if (!renamed.size) return;
    form.querySelectorAll("select.goto").forEach((s) => renamed.has(s.value) && pick(s, renamed.get(s.value)));
    questions().forEach((q) => {
      if (rowsOn(q)) return;
      const text = q.querySelector(".branches-text");
      text.value = text.value.replace(/(->|→)\s*([A-Za-z0-9_-]+)\s*$/gm, (all, arrow, id) =>
        renamed.has(id) ? arrow + " " + renamed.get(id) : all);
    });
  }

  /** Bring every question's rows, options and text up to date with the form. */
  function refresh() {
    followRenames();
    questions().forEach((q) => {
      const type = typeOf(q);
      const fresh = !seenTypes.has(q);
      syncChoiceRows(q);
      if (seenTypes.get(q) != type) {
        seenTypes.set(q, type);
        const untouched = !Array.from(q.querySelectorAll(".range-list select")).some((s) => s.value);
        if (SCALES.includes(type) && (untouched || !q.querySelector(".range-list .goto-row"))) defaultRanges(q);
        if (!fresh) readText(q); // the rows of the new type may, or may not, show the text
      }
      q.querySelectorAll("select.goto").forEach((s) => options(q, s));
      if (rowsOn(q)) writeText(q);
    });
  }

  const inBranching = (el) => el.closest && el.closest(".branching");

  form.addEventListener("input", (e) => {
    const q = e.target.closest(".question");
    if (e.target.classList.contains("branches-text")) readText(q);
    else if (q && inBranching(e.target)) writeText(q);
    else refresh();
  });
  form.addEventListener("change", (e) => {
    const q = e.target.closest(".question");
    if (e.target.classList.contains("branches-text")) return;
    if (q && inBranching(e.target)) {
      if (e.target.matches("select.goto")) warn(e.target, "");
      if (rowsOn(q)) writeText(q);
    } else refresh();
  });
  form.addEventListener("click", (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    const verb = (button.value || "").split(":")[0];
    if (button.name == "action" && verb == "range") {
      const q = button.closest(".question");
      addRange(q, "", "", "").querySelector("input.score").focus();
    } else if (button.name == "action" && verb == "unrange") {
      const q = button.closest(".question");
      const row = button.closest(".goto-row");
      const neighbour = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      (neighbour ? neighbour.querySelector("input") : q.querySelector(".add-range")).focus();
      writeText(q);
    } else {
      setTimeout(refresh); // after builder.js has added, moved or removed its rows
      return;
    }
    e.preventDefault();
    form.dispatchEvent(new Event("input")); // builder.js redraws the preview on "input"
  });

  questions().forEach((q, i) => {
    seenIds.set(q, idOf(q, i));
    seenTypes.set(q, typeOf(q));
    if (!rowsOn(q)) showRows(q, false);
  });
  refresh();
})();
