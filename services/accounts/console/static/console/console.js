// The owner console works without this file; it only adds small conveniences.
//   data-confirm="text" on a form or a button: ask before submitting.
//   data-poll-url="/path" on an element: every few seconds (data-poll-seconds,
//     default 3) replace the element with the HTML fragment at that URL, whose root
//     element keeps data-poll-url while there is more to wait for.
(function () {
  "use strict";

  function confirmSubmit(event) {
    var submitter = event.submitter;
    var text = (submitter && submitter.getAttribute("data-confirm")) ||
      event.target.getAttribute("data-confirm");
    if (text && !window.confirm(text)) {
      event.preventDefault();
    }
  }

  function poll(element) {
    var url = element.getAttribute("data-poll-url");
    var seconds = parseInt(element.getAttribute("data-poll-seconds") || "3", 10);
    if (!url) {
      return;
    }
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.redirected) {
            return null; // the session ended: the login page is no fragment; stop here
          }
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          if (html === null) {
            return;
          }
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.firstElementChild;
          if (!fresh) {
            return;
          }
          element.replaceWith(fresh);
          if (fresh.hasAttribute("data-poll-url")) {
            poll(fresh);
          }
        })
        .catch(function () {
          // Keep what the page shows; a reload shows the current state.
          element.setAttribute("data-poll-seconds", String(Math.min(seconds * 2, 60)));
          poll(element);
        });
    }, seconds * 1000);
  }

  document.addEventListener("submit", confirmSubmit, true);
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-poll-url]"), poll);
  });
})();
