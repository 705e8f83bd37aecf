/**
 * @gapwise/tracker: the Gapwise browser tracker as an ES module.
 *
 * ```ts
 * import { init } from "@gapwise/tracker";
 * const gapwise = init({ writeKey: "pk_…", host: "https://gapwise.example.com" });
 * gapwise.identify("user-42", { email: "ada@example.com", plan: "trial" });
 * gapwise.track("Report Exported", { format: "pdf" });
 * ```
 *
 * Written by hand to match src/module.js and src/index.js; sdk_js/test/types/ checks it compiles as documented.
 */

/** Options of {@link init}. */
export interface InitOptions {
  /** The project's write key (`pk_…`), from the dashboard or `gapwise project create`. */
  writeKey: string;
  /** The Gapwise server's address, like `https://gapwise.example.com`; defaults to the page's origin. */
  host?: string;
  /** Log what the tracker swallows (network errors, dropped messages, refused calls) with `console.warn`. */
  debug?: boolean;
  /** Send nothing when the browser says Do Not Track. */
  respectDnt?: boolean;
  /** Milliseconds between sends of what is queued; 3000 by default (20 queued messages send at once). */
  flushInterval?: number;
  /**
   * A page view now and one per single-page-app navigation (history.pushState, replaceState, popstate);
   * `true` by default. Set `false` to call {@link GapwiseApi.page} yourself, from your router.
   */
  capturePageviews?: boolean;
}

/** What a user is: any JSON-serialisable fields, such as these. */
export interface Traits {
  email?: string;
  name?: string;
  plan?: string;
  [trait: string]: unknown;
}

/** What an account is: any JSON-serialisable fields; Gapwise stores `name`, `plan`, `tier` and `mrr` as the account's own. */
export interface GroupTraits {
  name?: string;
  plan?: string;
  tier?: string;
  /** Monthly recurring revenue, in the project's currency. */
  mrr?: number;
  [trait: string]: unknown;
}

/** An event's properties: any JSON-serialisable fields. */
export interface Properties {
  [property: string]: unknown;
}

/** A page view's properties: the tracker fills in `path`, `url`, `title` and `referrer`; yours are added (and win). */
export interface PageProperties extends Properties {
  path?: string;
  url?: string;
  title?: string;
  referrer?: string;
}

/** A survey answer: a number (nps, rating), a choice id (single_choice), choice ids (multi_choice) or text. */
export type Answer = number | string | string[];

/** The survey events {@link GapwiseApi.on} listens to, with what their callbacks receive. */
export interface SurveyEvents {
  /** The survey reached the screen. */
  "survey:shown": { surveyId: string };
  /** Closed before the end (× or Escape). */
  "survey:dismissed": { surveyId: string };
  /** After each answer (`completed: false`), then once at the end (`completed: true`); every answer so far by question id. */
  "survey:answered": { surveyId: string; answers: Record<string, Answer>; completed: boolean };
}

/** The tracker's calls. None throws: errors are swallowed (and logged with `debug: true`). */
export interface GapwiseApi {
  /** Remember the user (in localStorage) and send their traits. */
  identify(userId: string | number, traits?: Traits): void;
  /** Link the user to an account. */
  group(groupId: string | number, traits?: GroupTraits): void;
  /** Send an event; an event survey trigger with this name fires. */
  track(event: string, properties?: Properties): void;
  /** Send a page view (automatic unless `capturePageviews: false`). */
  page(properties?: PageProperties): void;
  /** Forget the user and start a new anonymous id (on sign-out). */
  reset(): void;
  /** Stop sending, and drop what is queued; remembered in this browser. */
  optOut(): void;
  /** Resume sending after {@link GapwiseApi.optOut}. */
  optIn(): void;
  /** Send what is queued now; resolves when that is done, whatever the outcome (it never rejects). */
  flush(): Promise<void>;
  /** Show that survey of the current config now, whatever its trigger, URL or the local cache (previews, tests). */
  showSurvey(surveyId: string): void;
  /**
   * Listen to a survey event; returns a function that stops listening. Nudges (banners, tooltips,
   * modals, checklists) send their own messages and fire no events here.
   */
  on<K extends keyof SurveyEvents>(name: K, callback: (data: SurveyEvents[K]) => void): () => void;
}

/**
 * Start tracking and return the API. The tracker is the page's own, never `window.gapwise`, and there is one:
 * later calls return the same API (warning when they name another write key, which is ignored).
 *
 * Safe where there is no browser (server-side rendering): importing reads no global, and `init` returns an
 * API whose calls do nothing (`flush()` resolves at once). Without a `writeKey` it warns and does the same.
 */
export function init(options: InitOptions): GapwiseApi;
