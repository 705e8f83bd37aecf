/* The segment rules editor: AND/OR groups of conditions built from the form's rules JSON, the JSON kept in
 * step with every edit, and the live count of people matching (POST .../segments/count with the CSRF token).
 * Without JavaScript the JSON field is the editor. Text only ever goes in through textContent and value. */
(function () {
  "use strict";
  var form = document.getElementById("segment-form");
  var field = document.getElementById("f-rules");
  var builder = document.getElementById("rules-builder");
  var output = document.getElementById("segment-count");
  var block = document.getElementById("segment-data");
  if (!form || !field || !builder || !output || !block) { return; }

  var data = JSON.parse(block.textContent);
  var countUrl = output.getAttribute("data-count-url");
  var token = form.querySelector('input[name="csrf_token"]').value;
  var MAX_DEPTH = 3, ids = 0, root = null, timer = null, sequence = 0, valueLists = {};
  var FIELDS = [["trait", "Person trait"], ["account", "Account"], ["stage", "Journey stage"],
    ["days_since_first_seen", "Days since first seen"], ["event_count", "Times an event was tracked"],
    ["feature_count", "Times a feature was used"]];
  var WORDS = {eq: "is", neq: "is not", "in": "is one of", not_in: "is none of", contains: "contains",
    gt: "more than", gte: "at least", lt: "less than", lte: "at most", exists: "is set", not_exists: "is not set"};
  var NUMERIC = ["gte", "gt", "eq", "lte", "lt"];
  var VALUE_OPS = ["eq", "neq", "in", "not_in", "contains", "gt", "gte", "lt", "lte", "exists", "not_exists"];
  var OPS = {trait: VALUE_OPS, account: VALUE_OPS, stage: ["eq", "neq", "in", "not_in"],
    days_since_first_seen: NUMERIC, event_count: NUMERIC, feature_count: NUMERIC};
  var TYPES = [["string", "text"], ["number", "number"], ["boolean", "true/false"]];

  // --- small DOM helpers ---------------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function control(labelText, input, role) {
    var wrap = el("span", "ctl"), label = el("label", "", labelText);
    input.id = "rule-ctl-" + (ids += 1);
    input.setAttribute("data-role", role);
    label.htmlFor = input.id;
    wrap.appendChild(label);
    wrap.appendChild(input);
    return wrap;
  }
  function choice(options, value) {
    var select = el("select");
    options.forEach(function (o) {
      var option = el("option", "", o[1]);
      option.value = o[0];
      option.selected = o[0] === value;
      select.appendChild(option);
    });
    return select;
  }
  function box(value, type) {
    var input = el("input");
    input.type = type || "text";
    input.value = value === undefined || value === null ? "" : String(value);
    if (type === "number") { input.min = "0"; input.step = "1"; input.inputMode = "numeric"; }
    return input;
  }
  function button(text, action) {
    var b = el("button", "secondary small", text);
    b.type = "button";
    b.setAttribute("data-action", action);
    return b;
  }
  function role(scope, name) { return scope.querySelector('[data-role="' + name + '"]'); }
  function kids(node, selector) { return node.querySelector(":scope > " + selector); }

  // --- values as typed and as the rules hold them ----------------------------------------------------
  function kindOf(value) {
    var v = Array.isArray(value) ? value[0] : value;
    return typeof v === "number" ? "number" : typeof v === "boolean" ? "boolean" : "string";
  }
  function asText(value) {
    if (value === undefined || value === null) { return ""; }
    return Array.isArray(value) ? value.map(String).join(", ") : String(value);
  }
  function whole(text) { return /^\s*\d+\s*$/.test(text) ? parseInt(text, 10) : null; }
  function scalar(text, kind) {
    if (kind === "number") { return text.trim() !== "" && isFinite(Number(text)) ? Number(text) : null; }
    if (kind === "boolean") {
      return /^\s*(true|yes)\s*$/i.test(text) ? true : /^\s*(false|no)\s*$/i.test(text) ? false : null;
    }
    return text;
  }
  function typed(text, kind, op) {
    if (op === "in" || op === "not_in") {
      return text.split(",").map(function (t) { return t.trim(); }).filter(Boolean)
        .map(function (t) { return scalar(t, kind); });
    }
    if (op === "contains") { return text; }
    return NUMERIC.indexOf(op) >= 0 && op !== "eq" ? scalar(text, "number") : scalar(text, kind);
  }

  // --- one condition ---------------------------------------------------------------------------------
  function conditionItem(condition) {
    var li = el("li", "rule"), head = el("div", "rule-head"), params = el("span", "rule-head");
    var fieldSelect = choice(FIELDS, condition.field || "trait");
    li.setAttribute("data-entry", "condition");
    head.appendChild(el("span", "rule-number"));
    head.appendChild(control("Rule on", fieldSelect, "field"));
    head.appendChild(params);
    head.appendChild(button("Remove", "remove"));
    li.appendChild(head);
    fillParams(params, condition);
    // "input" comes before "change", and the builder reads every rule on "input": redraw first, once.
    function refill() {
      if (params.getAttribute("data-field") !== fieldSelect.value) { fillParams(params, {field: fieldSelect.value}); }
    }
    fieldSelect.addEventListener("input", refill);
    fieldSelect.addEventListener("change", refill);
    return li;
  }

  function fillParams(params, c) {
    var f = c.field in OPS ? c.field : "trait", op;
    params.replaceChildren();
    params.setAttribute("data-field", f);
    if (f === "trait" || f === "account") {
      var key = box(c.key);
      key.setAttribute("list", f === "account" ? "account-keys" : "trait-keys");
      params.appendChild(control(f === "trait" ? "Trait" : "Account field", key, "key"));
    }
    if (f === "event_count") { params.appendChild(control("Event", box(c.event), "event")); }
    if (f === "feature_count") {
      var known = data.features.map(function (x) { return [x.key, x.name + " (" + x.key + ")"]; });
      var listed = data.features.some(function (x) { return x.key === c.feature; });
      if (c.feature && !listed) { known.push([c.feature, c.feature]); }
      params.appendChild(control("Feature", known.length ? choice(known, c.feature) : box(c.feature), "feature"));
    }
    op = choice(OPS[f].map(function (o) { return [o, WORDS[o]]; }), c.op || OPS[f][0]);
    params.appendChild(control("Test", op, "op"));
    if (f === "stage") {
      var listed = Array.isArray(c.value) ? c.value : [];
      params.appendChild(control("Stage", choice(data.stages.map(function (s) { return [s, s]; }),
        typeof c.value === "string" ? c.value : data.stages[0]), "stage-one"));
      var many = el("fieldset", "stage-choices");
      many.appendChild(el("legend", "", "Stages"));
      data.stages.forEach(function (s) {
        var label = el("label"), tick = el("input");
        tick.type = "checkbox";
        tick.value = s;
        tick.checked = listed.indexOf(s) >= 0;
        tick.setAttribute("data-role", "stage-many");
        label.appendChild(tick);
        label.appendChild(document.createTextNode(s));
        many.appendChild(label);
      });
      params.appendChild(many);
    } else if (f === "trait" || f === "account") {
      params.appendChild(control("As", choice(TYPES, kindOf(c.value)), "type"));
      var valueBox = box(asText(c.value));
      params.appendChild(control("Value", valueBox, "value"));
      if (f === "trait") {
        // The values people have for this trait, as suggestions (kept in step with the trait's name).
        var suggest = function () { valueBox.setAttribute("list", valueLists[key.value.trim()] || ""); };
        key.addEventListener("input", suggest);
        suggest();
      }
    } else {
      params.appendChild(control(f === "days_since_first_seen" ? "Days" : "Times", box(c.value, "number"), "value"));
    }
    if (f === "event_count" || f === "feature_count") {
      params.appendChild(control("In the last (days)", box(c.within_days || 30, "number"), "within"));
    }
    op.addEventListener("change", function () { showFor(params, op.value); });
    showFor(params, op.value);
  }

  function showFor(params, op) {
    var presence = op === "exists" || op === "not_exists", listed = op === "in" || op === "not_in";
    var value = role(params, "value"), kind = role(params, "type"), one = role(params, "stage-one");
    if (value) {
      value.parentNode.hidden = presence;
      value.placeholder = listed ? "a, b, c" : "";
    }
    if (kind) { kind.parentNode.hidden = presence || op === "contains" || (NUMERIC.indexOf(op) >= 0 && op !== "eq"); }
    if (one) {
      one.parentNode.hidden = listed;
      kids(params, ".stage-choices").hidden = !listed;
    }
  }

  /** The value of a rule's control, "" when the rule has none by that name (never a TypeError). */
  function read(li, name) {
    var control = role(li, name);
    return control ? control.value : "";
  }

  function readCondition(li) {
    var f = read(li, "field"), op = read(li, "op"), c = {field: f};
    if (f === "trait" || f === "account") { c.key = read(li, "key").trim(); }
    if (f === "event_count") { c.event = read(li, "event").trim(); }
    if (f === "feature_count") { c.feature = read(li, "feature").trim(); }
    if (f === "event_count" || f === "feature_count") { c.within_days = whole(read(li, "within")); }
    c.op = op;
    if (op === "exists" || op === "not_exists") { return c; }
    if (f === "stage") {
      c.value = op === "in" || op === "not_in"
        ? Array.prototype.filter.call(li.querySelectorAll('[data-role="stage-many"]'), function (t) {
          return t.checked;
        }).map(function (t) { return t.value; })
        : read(li, "stage-one");
    } else if (f === "trait" || f === "account") {
      c.value = typed(read(li, "value"), read(li, "type"), op);
    } else {
      c.value = whole(read(li, "value"));
    }
    return c;
  }

  /** The first rule that is not finished, said in words; null when every rule can be counted. */
  function unfinished(group, path) {
    var conditions = group.conditions || [];
    for (var i = 0; i < conditions.length; i++) {
      var c = conditions[i], at = path + (path ? "." : "") + (i + 1);
      if (isGroup(c)) {
        var inner = unfinished(c, at);
        if (inner) { return inner; }
        continue;
      }
      var needs = (c.field === "trait" || c.field === "account") && !c.key ? "a name"
        : c.field === "event_count" && !c.event ? "an event"
        : c.field === "feature_count" && !c.feature ? "a feature"
        : c.op !== "exists" && c.op !== "not_exists" && (c.value === null || c.value === "" ||
          (Array.isArray(c.value) && !c.value.length)) ? "a value"
        : null;
      if (needs) { return "Rule " + at + " needs " + needs + "."; }
    }
    return null;
  }

  // --- groups ----------------------------------------------------------------------------------------
  function isGroup(entry) { return !!entry && !("field" in entry) && ("conditions" in entry || "match" in entry); }

  function groupBox(group, depth) {
    var set = el("fieldset", "rule-group"), list = el("ol", "rule-list"), actions = el("div", "group-actions");
    set.setAttribute("data-depth", String(depth));
    set.appendChild(el("legend", "", depth === 1 ? "People who match" : "Group"));
    set.appendChild(control("Match", choice([["all", "all of these rules (AND)"], ["any", "any of these rules (OR)"]],
      group.match || "all"), "match"));
    set.appendChild(list);
    (Array.isArray(group.conditions) ? group.conditions : []).forEach(function (entry) {
      list.appendChild(entryItem(entry, depth));
    });
    actions.appendChild(button("Add a rule", "add-condition"));
    if (depth < MAX_DEPTH) { actions.appendChild(button("Add a group", "add-group")); }
    if (depth > 1) { actions.appendChild(button("Remove group", "remove-group")); }
    set.appendChild(actions);
    return set;
  }

  function entryItem(entry, depth) {
    if (!isGroup(entry)) { return conditionItem(entry || {}); }
    var li = el("li", "rule");
    li.setAttribute("data-entry", "group");
    li.appendChild(groupBox(entry, depth + 1));
    return li;
  }

  function readGroup(set) {
    return {match: kids(kids(set, ".ctl"), "select").value,
      conditions: Array.prototype.map.call(kids(set, ".rule-list").children, function (li) {
        return li.getAttribute("data-entry") === "group" ? readGroup(li.firstChild) : readCondition(li);
      })};
  }

  // Rules are numbered 1, 2, 2.1…, as the server names them in its error messages.
  function number(set, prefix) {
    Array.prototype.forEach.call(kids(set, ".rule-list").children, function (li, i) {
      var n = prefix + (i + 1);
      if (li.getAttribute("data-entry") === "group") {
        kids(li.firstChild, "legend").textContent = "Group " + n;
        var actions = kids(li.firstChild, ".group-actions");
        kids(actions, '[data-action="remove-group"]').setAttribute("aria-label", "Remove group " + n);
        kids(actions, '[data-action="add-condition"]').setAttribute("aria-label", "Add a rule to group " + n);
        number(li.firstChild, n + ".");
      } else {
        kids(li, ".rule-head > .rule-number").textContent = n;
        kids(li, '.rule-head > [data-action="remove"]').setAttribute("aria-label", "Remove rule " + n);
      }
    });
  }

  function act(target) {
    var action = target.getAttribute("data-action"), set = target.closest(".rule-group"), item, focus;
    if (action === "add-condition" || action === "add-group") {
      item = action === "add-group"
        ? entryItem({match: "any", conditions: [{}]}, Number(set.getAttribute("data-depth")))
        : conditionItem({});
      kids(set, ".rule-list").appendChild(item);
      focus = item.querySelector("select");
    } else {
      item = action === "remove-group" ? set.parentNode : target.closest("li");
      var parent = item.parentNode.closest(".rule-group");
      item.remove();
      focus = kids(parent, '.group-actions > [data-action="add-condition"]');
    }
    changed();
    focus.focus();
  }

  // --- keeping the JSON in step, and the count ----------------------------------------------------------
  function build(rules) {
    root = groupBox(rules, 1);
    builder.replaceChildren(root);
    number(root, "");
  }

  function changed() {
    number(root, "");
    field.value = JSON.stringify(readGroup(root), null, 2);
    later();
  }

  function later() {
    output.classList.add("stale");
    clearTimeout(timer);
    timer = setTimeout(count, 250);
  }

  function label(path) {
    var numbers = [], match, step = /conditions\.(\d+)/g;
    while ((match = step.exec(path)) !== null) { numbers.push(Number(match[1]) + 1); }
    var rest = path.replace(step, "").replace("rules", "").split(".").filter(Boolean).join(" › ");
    return numbers.length ? "Rule " + numbers.join(".") + (rest ? " › " + rest : "") : rest;
  }

  function show(text, errors) {
    output.classList.remove("stale");
    output.replaceChildren();
    if (!errors) {
      output.textContent = text;
      return;
    }
    var why = el("span", "error", text + " ");
    why.appendChild(document.createTextNode(Object.keys(errors).map(function (path) {
      return (label(path) ? label(path) + ": " : "") + errors[path].join(" ");
    }).join("; ")));
    output.appendChild(why);
  }

  function count() {
    var mine = (sequence += 1), rules;
    try {
      rules = JSON.parse(field.value);
    } catch (error) {
      show("Not counted: the rules are not valid JSON.", {});
      return;
    }
    var missing = isGroup(rules) ? unfinished(rules, "") : null;
    if (missing) {  // said here, without asking the server
      show("Not counted yet: " + missing);
      return;
    }
    fetch(countUrl, {method: "POST", credentials: "same-origin", body: JSON.stringify({rules: rules}),
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token}})
      .then(function (response) {
        return response.json().then(function (body) { return {ok: response.ok, body: body}; });
      })
      .then(function (answer) {
        if (mine !== sequence) { return; }
        if (answer.ok) {
          var n = answer.body.count;
          show(n + (n === 1 ? " person matches" : " people match") + " these rules now.");
          if (n === 0) {
            output.appendChild(el("span", "warning", " Nobody: check the names and values, which must match " +
              "what people have exactly (the suggestions list what they have)."));
          }
        } else {
          show("Not counted yet: " + (answer.body.message || "the rules are incomplete."), answer.body.errors || {});
        }
      })
      .catch(function () { if (mine === sequence) { show("The count is not available right now."); } });
  }

  function parsed(text) {
    var rules;
    try {
      rules = JSON.parse(text || "{}");
    } catch (error) {
      return null;
    }
    if (!rules || typeof rules !== "object" || Array.isArray(rules)) { return null; }
    return isGroup(rules) || !Object.keys(rules).length ? rules : null;
  }

  function datalist(id, values) {
    var list = el("datalist");
    list.id = id;
    values.forEach(function (v) { var o = el("option"); o.value = v; list.appendChild(o); });
    return list;
  }

  var initial = parsed(field.value);
  if (initial) {
    var keys = el("datalist");
    keys.id = "account-keys";
    ["name", "plan", "tier", "mrr"].forEach(function (k) { var o = el("option"); o.value = k; keys.appendChild(o); });
    form.appendChild(keys);
    form.appendChild(datalist("trait-keys", Object.keys(data.traits || {})));
    Object.keys(data.traits || {}).forEach(function (name, i) {
      valueLists[name] = "trait-values-" + i;
      form.appendChild(datalist(valueLists[name], data.traits[name]));
    });
    build(initial);
    builder.hidden = false;
    if (field.getAttribute("aria-invalid") !== "true") { field.closest("details").open = false; }
    builder.addEventListener("click", function (event) {
      var target = event.target.closest("button[data-action]");
      if (target) { act(target); }
    });
    builder.addEventListener("input", changed);
    builder.addEventListener("change", changed);
    // The JSON stays editable: a valid edit there redraws the controls (without rewriting what was typed).
    field.addEventListener("input", function () {
      var rules = parsed(field.value);
      if (rules) { build(rules); }
      later();
    });
  } else {
    field.addEventListener("input", later);
  }
  count();
}());
