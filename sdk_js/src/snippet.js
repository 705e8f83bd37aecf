/*
 * The Gapwise loader: paste it in a <script> tag, then call
 *   gapwise.init("pk_…", {host: "https://gapwise.example.com"});
 * Until the tracker has loaded, every call is recorded in gapwise._q as [method, arguments]
 * and replayed by the tracker. ES5 on purpose: it must never be a syntax error on a host page.
 */
(function (w, d) {
  var g = (w.gapwise = w.gapwise || {});
  if (g.invoked) return; // a second copy of the snippet (or the tracker itself) is already there
  g.invoked = true;
  g._v = 1; // snippet version
  g._q = [];
  var script = d.currentScript;
  var nonce = script && script.nonce; // so a CSP nonce on the snippet also covers the tracker
  var loading = false;

  "init identify group track page reset optOut optIn flush showSurvey on".split(" ").forEach(function (method) {
    g[method] = function () {
      var call = [method, [].slice.call(arguments)];
      g._q.push(call);
      try {
        if (method == "init" && !loading) {
          loading = true;
          var options = arguments[1] || {};
          var tag = d.createElement("script");
          tag.async = true;
          tag.src = (options.host || location.origin).replace(/\/+$/, "") + "/sdk/gapwise.js";
          if (nonce) tag.nonce = nonce;
          d.head.appendChild(tag); // browsers always make a <head>
        }
        // flush() promises: the tracker resolves this one when it replays the call.
        if (method == "flush") return new Promise(function (resolve) { call[2] = resolve; });
      } catch (e) {}
    };
  });
})(window, document);
