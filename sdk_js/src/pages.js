/** Page views in single-page apps: history.pushState/replaceState and popstate. */

/** Call `changed()` whenever the path or query string changes without a page load. */
export function watchPages(changed) {
  const where = () => location.pathname + location.search;
  let last = where();
  const check = () => {
    if (where() != last) {
      last = where();
      changed();
    }
  };
  for (const name of ["pushState", "replaceState"]) {
    const original = history[name];
    history[name] = function () {
      const result = original.apply(this, arguments); // the page's own errors stay the page's
      check();
      return result;
    };
  }
  addEventListener("popstate", check);
}
