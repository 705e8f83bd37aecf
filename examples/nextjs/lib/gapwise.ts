// Everything this app says to Gapwise, in one framework-free module: components call these functions,
// never @gapwise/tracker directly, so the calls and their names live in one place.
import { init, type GapwiseApi, type Properties } from "@gapwise/tracker";

export interface User {
  id: string;
  email: string;
  plan: "free" | "team" | "enterprise";
  account: { id: string; name: string; mrr: number };
}

/**
 * The tracker, started on first use. init() returns the same tracker on every call, and on the server
 * (rendering) one whose calls do nothing, so any component may call this. Page views are ours to send
 * (pageView below, from the router), hence capturePageviews: false.
 */
export function gapwise(): GapwiseApi {
  return init({
    writeKey: process.env.NEXT_PUBLIC_GAPWISE_WRITE_KEY ?? "",
    host: process.env.NEXT_PUBLIC_GAPWISE_HOST,
    capturePageviews: false,
  });
}

/** After sign-in (and on load when a session exists): who this is and which account they belong to. */
export function signedIn(user: User): void {
  const tracker = gapwise();
  tracker.identify(user.id, { email: user.email, plan: user.plan });
  tracker.group(user.account.id, { name: user.account.name, plan: user.plan, mrr: user.account.mrr });
}

/** On sign-out: send what is queued as this user, then forget them (the next visitor is anonymous). */
export async function signedOut(): Promise<void> {
  const tracker = gapwise();
  await tracker.flush();
  tracker.reset();
}

/** A route was rendered (the tracker reads the URL, title and referrer from the page). */
export function pageView(path: string): void {
  gapwise().page({ path });
}

/** Something the user did; name events as "Object Verbed", like "Report Exported". */
export function track(event: string, properties?: Properties): void {
  gapwise().track(event, properties);
}

/** Log the answers of in-app surveys (the widgets show them; this only listens). Returns the unsubscribe. */
export function onSurveyAnswered(log: (surveyId: string, completed: boolean) => void): () => void {
  return gapwise().on("survey:answered", ({ surveyId, completed }) => log(surveyId, completed));
}
