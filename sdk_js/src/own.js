/**
 * The npm module's tracker object, in place of window.gapwise: index.js, built for the module, adds
 * start(), which puts the API's methods on it. gapwise.min.js leaves it out.
 */
export const own = Object.create(null);
