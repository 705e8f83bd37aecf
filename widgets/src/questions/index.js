/**
 * The question renderers, keyed by question `type`. Each is {view(q, done, ctx), valid(q, answer), auto?}:
 * `view` returns the answer area and calls `done(answer)` (null: skipped); `valid` checks an answer;
 * `auto` means choosing moves on at once (no Next button).
 */
import { multi_choice } from "./multi_choice.js";
import { nps } from "./nps.js";
import { rating } from "./rating.js";
import { single_choice } from "./single_choice.js";
import { text } from "./text.js";

export const QUESTIONS = { nps, rating, single_choice, multi_choice, text };
