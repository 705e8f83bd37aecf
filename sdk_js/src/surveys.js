/**
 * Surveys from the config: which are due (trigger fired, URL matches), a line where due surveys
 * wait to be shown one at a time in priority order, the widgets loaded on first need, and the
 * survey messages. The server has already chosen who gets which survey; this decides when.
 */
import { uuid } from "./util.js";

const SEEN = "gw_seen"; // {surveyId: time shown}: a cache until the server's config reflects it
const SEEN_MS = 864e5;

/**
 * Does a url rule ({match: contains|exact|regex, value}, null: any page) match `loc`? Bad regexes never do, nor
 * (a guard behind the server's check) one over 200 characters or with a repeated group, a backreference or a
 * lookaround, which could freeze the page; a regex sees at most 2,000 characters of the URL.
 */
export function urlMatches(rule, loc = location) {
  if (!rule) return true;
  const { match, value } = rule;
  try {
    return match == "exact" ? loc.href == value || loc.pathname == value
      : match == "regex" ? !value[200] && !/\)[*+?{]|\\[1-9k]|\(\?<?[=!]/.test(value) && new RegExp(value).test(loc.href.slice(0, 2e3))
      : match == "contains" && loc.href.includes(value);
  } catch (e) {
    return false;
  }
}

/**
 * The tracker's survey side (nudges, which the server sends due for the person, wait in the same line: one
 * thing at a time; the widgets send their messages). It uses send(type, fields), emit(name, data), flush(), the store,
 * load(then) (adds the widgets' script once and calls `then` when it has run), later(fn, ms),
 * and the CSP nonce to hand the widgets. Positional arguments: every byte of the tracker counts.
 */
export function createSurveys(send, emit, flush, store, load, later, nonce) {
  let list; // the config's surveys, best first; undefined until a config arrives
  let showing, forced;
  const here = {}; // due (or shown) on this page already
  const waiting = {}; // due and past their delay: waiting for their turn

  /** The displays cache: one entry per survey shown in this browser (reset() empties it). */
  const seen = () => {
    try {
      return JSON.parse(store.get(SEEN)) || {};
    } catch (e) {
      return {};
    }
  };

  /** Show the best waiting survey, unless one is showing; load the widgets first if need be. */
  function pump() {
    const widgets = window.gapwiseWidgets;
    const survey = !showing && list.find((s) => waiting[s.id]);
    if (!survey) return;
    if (!widgets) return load(pump);
    delete waiting[survey.id];
    showing = 1;
    const { id: surveyId, locale } = survey;
    const displayId = uuid();
    const say = (action, fields) => {
      send("survey", { surveyId, action, displayId, locale, ...fields });
      emit("survey:" + action, { surveyId, ...fields });
    };
    // A nudge sends its own messages with `send` and calls onClose only.
    widgets.render(survey, {
      nonce,
      send,
      onShown() {
        store.set(SEEN, JSON.stringify({ ...seen(), [surveyId]: Date.now() }));
        say("shown");
      },
      onAnswer(answers, completed) {
        say("answered", { answers, completed });
        if (completed) flush();
      },
      onDismiss() {
        say("dismissed");
        flush();
      },
      // One thing a page load: once something was shown, the rest wait for a later page (and the cooldown).
      onClose(shown) {
        if (!shown) {
          showing = 0;
          pump();
        }
      },
    });
  }

  /** A survey's trigger fired: unless shown here or lately or meant for other pages, wait its delay and join the line. */
  function due(survey, force) {
    const id = survey.id;
    if (force || !(here[id] || seen()[id] > Date.now() - SEEN_MS || !urlMatches(survey.url))) {
      here[id] = 1;
      later(() => {
        waiting[id] = 1;
        pump();
      }, !force && survey.trigger.delay * 1000); // false or NaN: at once
    }
  }

  /**
   * The surveys whose trigger is `type` (immediate, pageview, event, feature) for `name` fire.
   * `trigger[type]` is the trigger's event name or feature key, absent (like `name`) otherwise.
   */
  const fire = (type, name) =>
    list &&
    list.forEach((survey) => {
      const trigger = survey.trigger || {};
      if (trigger.type == type && trigger[type] == name) due(survey);
    });

  /** Show a survey of the config now, whatever its trigger, URL or the cache; before the config: once it arrives. */
  const show = (id) => {
    const survey = list && list.find((s) => s.id == id);
    forced = list ? null : id;
    if (survey) {
      showing = 0; // whatever was shown on this page before
      due(survey, 1);
    }
  };

  return {
    fire,
    show,
    /** A config arrived: its surveys (best first), then its nudges, replace the list, and those due now fire. */
    config(config) {
      list = [].concat(config.surveys || [], config.nudges || []);
      fire("immediate");
      fire("pageview");
      show(forced);
    },
  };
}
