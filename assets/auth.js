/* When a session ends (signed out elsewhere, or idle too long) the dashboard's data requests answer 401:
   send the browser to the sign-in page, and back to this page afterwards, instead of leaving a broken view. */
(function () {
  if (!window.fetch || window.__boardAuthFetch) { return; }
  window.__boardAuthFetch = true;
  var originalFetch = window.fetch;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && response.url.indexOf(window.location.origin + "/_dash-") === 0) {
        if (!window.__boardAuthRedirecting) {
          window.__boardAuthRedirecting = true;  // several requests fail at once: go to sign-in once
          var here = window.location.pathname + window.location.search;
          window.location.assign("/login?expired=1&next=" + encodeURIComponent(here));
        }
        // The page is leaving: Dash need not handle (and report) the refused request.
        return new Promise(function () {});
      }
      return response;
    });
  };
})();
