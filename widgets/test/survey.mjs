// The survey of DESIGN/issue #4, exactly as GET /v1/config sends it, fresh for each test.
export const example = () => ({
  id: "7",
  kind: "nps",
  priority: 10,
  locale: "en",
  dir: "ltr",
  trigger: { type: "event", event: "Report Exported", feature: null, delay: 3 },
  url: { match: "contains", value: "/reports" },
  questions: [
    {
      id: "score",
      type: "nps",
      text: "How likely are you to recommend Acme?",
      lowLabel: "Not likely",
      highLabel: "Very likely",
      branches: [
        { min: 0, max: 6, goto: "detractor" },
        { min: 9, max: 10, goto: "promoter" },
      ],
    },
    { id: "detractor", type: "text", text: "What disappointed you?", placeholder: "", maxLength: 1000, next: "end" },
    { id: "promoter", type: "text", text: "What do you like most?", placeholder: "", maxLength: 1000, next: "end" },
    {
      id: "role",
      type: "single_choice",
      text: "Your role?",
      choices: [
        { id: "pm", label: "Product manager" },
        { id: "eng", label: "Engineer" },
      ],
    },
    { id: "goals", type: "multi_choice", text: "What do you want to do?", choices: [{ id: "reporting", label: "Reporting" }] },
    { id: "csat", type: "rating", scale: 5, text: "How satisfied…?", lowLabel: "Very unsatisfied", highLabel: "Very satisfied" },
  ],
  thankYou: "Thank you!",
  appearance: { position: "bottom-right", theme: "light", colors: { accent: "#4f46e5", background: null, text: null } },
});

/** The example's question with this id. */
export const question = (id) => example().questions.find((q) => q.id == id);

/** A view's context as the widget passes it. */
export const ctx = (extra = {}) => ({ labels: { next: "Next", submit: "Submit", any: "Choose any that apply" }, rtl: false, last: false, ...extra });
