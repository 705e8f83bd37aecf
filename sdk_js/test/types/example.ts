// Every documented call of @gapwise/tracker, as an app writes it; `npm test` compiles this file
// (tsc -p test/types). The @ts-expect-error lines are calls the types must refuse.
import { init, type GapwiseApi, type InitOptions, type SurveyEvents } from "@gapwise/tracker";

const options: InitOptions = {
  writeKey: "pk_test",
  host: "https://gapwise.example.com",
  debug: true,
  respectDnt: true,
  flushInterval: 5000,
  capturePageviews: false,
};
const gapwise: GapwiseApi = init(options);

gapwise.identify("user-42", { email: "ada@example.com", plan: "trial", seats: 3 });
gapwise.identify(42);
gapwise.group("acme", { name: "Acme", plan: "team", tier: "gold", mrr: 990, region: "eu" });
gapwise.track("Report Exported", { format: "pdf", pages: 12, tags: ["q3"] });
gapwise.track("Signed Up");
gapwise.page();
gapwise.page({ path: "/pricing", section: "plans" });
gapwise.showSurvey("7");
gapwise.optOut();
gapwise.optIn();
gapwise.reset();

const flushed: Promise<void> = gapwise.flush();
void flushed.then(() => "sent or kept for later");

const stop: () => void = gapwise.on("survey:answered", ({ surveyId, answers, completed }) => {
  const first: string | number | string[] | undefined = answers["q1"];
  console.log(surveyId.toUpperCase(), first, completed === true);
});
stop();
gapwise.on("survey:shown", (data) => data.surveyId);
gapwise.on("survey:dismissed", ({ surveyId }: SurveyEvents["survey:dismissed"]) => surveyId);

// init() takes the write key inside its options, and returns the same API each time.
const again: GapwiseApi = init({ writeKey: "pk_test" });
void again;

// @ts-expect-error: the write key is required
init({ host: "https://gapwise.example.com" });
// @ts-expect-error: init takes one options object, not the snippet's (writeKey, options)
init("pk_test", { host: "https://gapwise.example.com" });
// @ts-expect-error: an event is named by a string
gapwise.track(42);
// @ts-expect-error: properties are an object
gapwise.track("Signed Up", "free");
// @ts-expect-error: mrr is a number
gapwise.group("acme", { mrr: "990" });
// @ts-expect-error: no such survey event
gapwise.on("survey:clicked", () => {});
gapwise.on("survey:shown", (data) => {
  // @ts-expect-error: a shown survey has no answers yet
  return data.answers;
});
// @ts-expect-error: flush resolves to nothing
const count: Promise<number> = gapwise.flush();
void count;
// @ts-expect-error: the module has no alias() (identify links the anonymous visits itself)
gapwise.alias("old-id");
